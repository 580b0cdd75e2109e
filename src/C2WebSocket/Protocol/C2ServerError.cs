using System.Collections.Generic;
using System.Text.Json;

namespace C2WebSocket.Protocol
{
    /// <summary>
    /// What the server said in an <c>error</c> message: either top-level code/field/message or an
    /// <c>errors</c> array. The raw payload is always kept so nothing the server said is lost.
    /// </summary>
    public sealed class C2ServerError
    {
        public string? Code { get; internal set; }
        public string? Field { get; internal set; }
        public string? Message { get; internal set; }
        public IReadOnlyList<C2ErrorDetail> Errors { get; internal set; } = new C2ErrorDetail[0];
        public string? RequestId { get; internal set; }
        public string RawPayload { get; internal set; } = "";

        internal static C2ServerError FromPayload(JsonElement? payload, string? requestId)
        {
            var err = new C2ServerError { RequestId = requestId };
            if (payload is JsonElement p)
            {
                err.RawPayload = p.GetRawText();
                if (p.ValueKind == JsonValueKind.Object)
                {
                    err.Code = Str(p, "code");
                    err.Field = Str(p, "field");
                    err.Message = Str(p, "message");
                    if (p.TryGetProperty("errors", out var arr) && arr.ValueKind == JsonValueKind.Array)
                    {
                        var list = new List<C2ErrorDetail>();
                        foreach (var e in arr.EnumerateArray())
                        {
                            if (e.ValueKind == JsonValueKind.Object)
                                list.Add(new C2ErrorDetail { Code = Str(e, "code"), Field = Str(e, "field"), Message = Str(e, "message") });
                            else
                                list.Add(new C2ErrorDetail { Message = e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText() });
                        }
                        err.Errors = list;
                        if (err.Code == null && list.Count > 0) { err.Code = list[0].Code; err.Field ??= list[0].Field; }
                    }
                }
            }
            return err;
        }

        private static string? Str(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var v)) return null;
            return v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Null => null,
                _ => v.GetRawText(),
            };
        }

        internal static string Describe(string? code, string? field, string? message)
        {
            var text = code ?? "ERROR";
            if (!string.IsNullOrEmpty(field)) text += " (field '" + field + "')";
            if (!string.IsNullOrEmpty(message)) text += ": " + message;
            return text;
        }

        public override string ToString()
        {
            if (Errors.Count > 1 || (Errors.Count == 1 && Message == null))
            {
                var parts = new List<string>();
                foreach (var e in Errors) parts.Add(e.ToString());
                return string.Join("; ", parts);
            }
            return Describe(Code, Field, Message);
        }
    }
}
