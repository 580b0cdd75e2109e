using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;

namespace C2WebSocket.Commands
{
    /// <summary>Only ws:// and wss:// URIs.</summary>
    public sealed class ValidateWebSocketUriAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            var value = arguments is PSObject pso ? pso.BaseObject : arguments;
            if (value is Uri uri && uri.IsAbsoluteUri && (uri.Scheme == "wss" || uri.Scheme == "ws")) return;
            throw new ValidationMetadataException(ParameterTexts.WebSocketUri);
        }
    }
}
