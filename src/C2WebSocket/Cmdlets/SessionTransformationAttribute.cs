using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Security;

namespace C2WebSocket.Commands
{
    /// <summary>
    /// Lets -Session take a session's id (Receive-C2Signal -Session 2, or 2 by position) as well as the session: a whole
    /// number, or a string of digits, becomes the session of this runspace with that id. An id no open session has is
    /// refused naming it and listing the open ids (ParameterArgumentTransformationError). Anything else passes through
    /// to PowerShell's own binding, so sessions, subscriptions and other pipeline objects bind as before.
    /// </summary>
    public sealed class SessionTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            long id;
            switch (value)
            {
                case int i: id = i; break;
                case long l: id = l; break;
                case short sh: id = sh; break;
                case byte b: id = b; break;
                case uint ui: id = ui; break;
                case string text:
                    if (!long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out id))
                        throw new ArgumentTransformationMetadataException(ParameterTexts.NotASession(text));
                    break;
                default:
                    return inputData;
            }
            var runspace = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;
            var open = runspace == null ? (IReadOnlyList<C2Session>)Array.Empty<C2Session>() : SessionRegistry.All(runspace);
            foreach (var s in open)
                if (s.Id == id) return s;
            var idText = id.ToString(CultureInfo.InvariantCulture);
            var openIds = open.Count == 0 ? null : SessionRegistry.OpenIdsText(runspace!);
            throw new ArgumentTransformationMetadataException(ParameterTexts.NoSessionWithId(idText, openIds));
        }
    }
}
