using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Security;
using System.Text.Json;

namespace C2WebSocket.Rest
{
    /// <summary>One entry of the error envelope's <c>Errors</c>: which field, what code, what the server said.</summary>
    public sealed class C2RestFieldError
    {
        internal C2RestFieldError(string? errorCode, string? fieldName, string? message) { ErrorCode = errorCode; FieldName = fieldName; Message = message; }
        public string? ErrorCode { get; }
        public string? FieldName { get; }
        public string? Message { get; }
        public override string ToString() => (FieldName != null ? FieldName + ": " : "") + Message + (ErrorCode != null ? " (" + ErrorCode + ")" : "");
    }
}
