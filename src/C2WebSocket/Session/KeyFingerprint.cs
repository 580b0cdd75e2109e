using System;

namespace C2WebSocket
{
    /// <summary>Tells API keys apart without keeping them: counts connections per key.</summary>
    internal static class KeyFingerprint
    {
        private static readonly byte[] Salt = Guid.NewGuid().ToByteArray();

        /// <summary>A per-process salted hash, used only to count connections per key. Never output.</summary>
        public static string Of(System.Security.SecureString key)
        {
            var ptr = IntPtr.Zero;
            var bytes = new byte[key.Length * 2 + Salt.Length];
            try
            {
                ptr = System.Runtime.InteropServices.Marshal.SecureStringToGlobalAllocUnicode(key);
                System.Runtime.InteropServices.Marshal.Copy(ptr, bytes, 0, key.Length * 2);
                Buffer.BlockCopy(Salt, 0, bytes, key.Length * 2, Salt.Length);
                using (var sha = System.Security.Cryptography.SHA256.Create())
                    return Convert.ToBase64String(sha.ComputeHash(bytes));
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
                if (ptr != IntPtr.Zero) System.Runtime.InteropServices.Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }
    }
}
