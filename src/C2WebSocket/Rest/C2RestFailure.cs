using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Security;
using System.Text.Json;

namespace C2WebSocket.Rest
{
    /// <summary>Why a REST request failed. The cmdlet layer maps each to its ErrorId and category.</summary>
    public enum C2RestFailure
    {
        /// <summary>401: the key is wrong or revoked. Never retried.</summary>
        AuthenticationFailed,
        /// <summary>403: the key may not read this strategy.</summary>
        Forbidden,
        /// <summary>404: the method does not exist at this address.</summary>
        NotFound,
        /// <summary>400 or another 4xx: the server refused a parameter (it says which).</summary>
        Refused,
        /// <summary>429 after the retries (or a Retry-After longer than the module waits).</summary>
        RateLimited,
        /// <summary>502, 503 or 504 after the retries: maintenance or overload.</summary>
        Unavailable,
        /// <summary>500 or another 5xx: the server failed.</summary>
        ServerError,
        /// <summary>No whole answer within the request timeout.</summary>
        Timeout,
        /// <summary>DNS, TCP, TLS or the proxy failed.</summary>
        ConnectFailed,
        /// <summary>The answer is not the documented JSON (or a redirect, or a cursor that repeats).</summary>
        InvalidResponse,
    }
}
