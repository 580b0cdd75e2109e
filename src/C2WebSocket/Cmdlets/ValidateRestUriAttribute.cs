using System;
using System.Management.Automation;
using System.Net;
using System.Security;
using C2WebSocket.Rest;
using C2WebSocket.Transport;

namespace C2WebSocket.Commands
{
    /// <summary>Only http:// and https:// REST addresses.</summary>
    public sealed class ValidateRestUriAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            var value = arguments is PSObject pso ? pso.BaseObject : arguments;
            if (value is Uri uri && uri.IsAbsoluteUri && (uri.Scheme == "https" || uri.Scheme == "http")) return;
            throw new ValidationMetadataException(ParameterTexts.RestUri);
        }
    }
}
