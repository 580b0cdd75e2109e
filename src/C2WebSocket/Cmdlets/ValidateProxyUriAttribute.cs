using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;

namespace C2WebSocket.Commands
{
    /// <summary>Only http:// and https:// proxy URIs.</summary>
    public sealed class ValidateProxyUriAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            var value = arguments is PSObject pso ? pso.BaseObject : arguments;
            if (value is Uri uri && uri.IsAbsoluteUri && (uri.Scheme == "http" || uri.Scheme == "https")) return;
            throw new ValidationMetadataException(ParameterTexts.ProxyUri);
        }
    }
}
