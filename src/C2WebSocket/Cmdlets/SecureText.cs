using System;
using System.Collections;
using System.Collections.Generic;
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
}
