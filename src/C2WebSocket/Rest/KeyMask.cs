using System;
using System.Runtime.InteropServices;
using System.Security;

namespace C2WebSocket.Rest
{
    /// <summary>Masks the API key in text that came from elsewhere (a server that echoes what it refused).</summary>
    internal static class KeyMask
    {
        public const string Mask = "***";

        public static string? Apply(SecureString key, string? text)
        {
            if (string.IsNullOrEmpty(text) || key.Length < 4) return text;
            IntPtr ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(key);
                var plain = Marshal.PtrToStringUni(ptr, key.Length);
                return text!.IndexOf(plain, StringComparison.Ordinal) < 0 ? text : text.Replace(plain, Mask);
            }
            finally
            {
                if (ptr != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }
    }
}
