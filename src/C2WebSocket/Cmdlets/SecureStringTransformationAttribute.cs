using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;

namespace C2WebSocket.Commands
{
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
                    throw new ArgumentTransformationMetadataException(ParameterTexts.ApiKeyType(value.GetType().Name));
            }
        }
    }
}
