using System;
using System.Management.Automation;
using System.Security;

namespace C2WebSocket.Commands
{
    /// <summary>Read-only SecureStrings from text (a key given as a string or taken from the environment).</summary>
    internal static class SecureText
    {
        public static SecureString From(string text)
        {
            var secure = new SecureString();
            foreach (var ch in text) secure.AppendChar(ch);
            secure.MakeReadOnly();
            return secure;
        }
    }

    /// <summary>Lets -ApiKey take a SecureString (Get-Secret), a PSCredential's password, or a plain string.</summary>
    public sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            switch (value)
            {
                case null: return null;
                case SecureString s: return s;
                case PSCredential c: return c.Password;
                case string text:
                    return SecureText.From(text);
                default:
                    // Never echo the value: it may be a key in some unexpected wrapper.
                    throw new ArgumentTransformationMetadataException("The API key must be a SecureString, a string or a PSCredential, not a " + value.GetType().Name + ".");
            }
        }
    }

    /// <summary>Only ws:// and wss:// URIs.</summary>
    public sealed class ValidateWebSocketUriAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            var value = arguments is PSObject pso ? pso.BaseObject : arguments;
            if (value is Uri uri && uri.IsAbsoluteUri && (uri.Scheme == "wss" || uri.Scheme == "ws")) return;
            throw new ValidationMetadataException("The URI must be absolute and start with wss:// (or ws:// for a local simulator), for example wss://api4-general.collective2.com/ws.");
        }
    }

    /// <summary>Only http:// and https:// proxy URIs.</summary>
    public sealed class ValidateProxyUriAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            var value = arguments is PSObject pso ? pso.BaseObject : arguments;
            if (value is Uri uri && uri.IsAbsoluteUri && (uri.Scheme == "http" || uri.Scheme == "https")) return;
            throw new ValidationMetadataException("The proxy URI must be absolute and start with http:// or https://, for example http://proxy.example.com:8080.");
        }
    }
}
