using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Security;
using System.Text.Json;

namespace C2WebSocket.Rest
{
    /// <summary>The documented error envelope, read in any casing: <c>ResponseStatus { ErrorCode, Message, Errors[] }</c>.</summary>
    internal sealed class RestStatus
    {
        public string? ErrorCode { get; private set; }
        public string? Message { get; private set; }
        public List<C2RestFieldError> Errors { get; } = new List<C2RestFieldError>();
        public bool IsEmpty => string.IsNullOrEmpty(ErrorCode) && string.IsNullOrEmpty(Message) && Errors.Count == 0;

        /// <summary>The server's words, in one sentence: "BadRequest (400): StrategyId: Missing value (1102)."</summary>
        public string Describe()
        {
            var parts = new List<string>();
            if (!string.IsNullOrEmpty(Message) || !string.IsNullOrEmpty(ErrorCode))
                parts.Add((Message ?? "") + (string.IsNullOrEmpty(ErrorCode) ? "" : " (" + ErrorCode + ")"));
            foreach (var e in Errors) parts.Add(e.ToString());
            return string.Join("; ", parts).Trim();
        }

        /// <summary>The ResponseStatus of a JSON answer, or null when the body has none (or is not JSON).</summary>
        public static RestStatus? Read(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object || !RestJson.TryGet(root, "ResponseStatus", out var rs) || rs.ValueKind != JsonValueKind.Object) return null;
            var status = new RestStatus { ErrorCode = RestJson.Text(rs, "ErrorCode"), Message = RestJson.Text(rs, "Message") };
            if (RestJson.TryGet(rs, "Errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
                foreach (var e in errors.EnumerateArray())
                    if (e.ValueKind == JsonValueKind.Object)
                        status.Errors.Add(new C2RestFieldError(RestJson.Text(e, "ErrorCode"), RestJson.Text(e, "FieldName"), RestJson.Text(e, "Message")));
            return status;
        }

        public static RestStatus? Read(byte[] body)
        {
            if (body.Length == 0) return null;
            try
            {
                using (var doc = JsonDocument.Parse(body)) return Read(doc.RootElement);
            }
            catch (JsonException) { return null; }
        }

        /// <summary>The same status with the key masked wherever the server's text repeats it.</summary>
        public RestStatus Masked(SecureString key)
        {
            var m = new RestStatus { ErrorCode = KeyMask.Apply(key, ErrorCode), Message = KeyMask.Apply(key, Message) };
            foreach (var e in Errors) m.Errors.Add(new C2RestFieldError(KeyMask.Apply(key, e.ErrorCode), KeyMask.Apply(key, e.FieldName), KeyMask.Apply(key, e.Message)));
            return m;
        }
    }
}
