using System.Globalization;

namespace C2WebSocket
{
    /// <summary>
    /// The words of parameter binding: what a transformation or validation attribute refuses (an API key of the wrong
    /// type, a session or strategy id that is not one, an address of the wrong scheme) and what to pass instead. The
    /// attributes decide; the sentences are built here, beside the ErrorId table (<see cref="C2ErrorId"/>). No PowerShell type.
    /// </summary>
    internal static class ParameterTexts
    {
        public static string ApiKeyType(string typeName) => "The API key must be a SecureString, a string or a PSCredential, not a " + typeName + ".";

        public static string NotASession(string text) =>
            "'" + text + "' is neither a C2 session nor a session id. Pass a session (-Session $s) or its Id (-Session 2); Get-C2Session lists them.";

        public static string NoSessionWithId(string idText, string? openIds) =>
            openIds == null
                ? "There is no C2 session with Id " + idText + ": this runspace has no C2 session. Run Connect-C2Socket first."
                : "There is no C2 session with Id " + idText + " in this runspace. " + openIds + " (Get-C2Session lists them).";

        public static string NoDefaultSession(string? openIds, int firstOpenId) =>
            openIds == null
                ? "There is no C2 session in this runspace. Run Connect-C2Socket first, or pass one with -Session."
                : "There is no default C2 session in this runspace (the last one opened was disconnected). " + openIds +
                  ". Pass one with -Session, for example -Session " + firstOpenId.ToString(CultureInfo.InvariantCulture) + ".";

        public static string NotAStrategyId(string what) =>
            what + " A strategy id is a positive whole number; give several as an array (-StrategyId 12345678, 87654321) " +
            "or in one string separated by commas, semicolons or spaces (-StrategyId '12345678,87654321').";

        public static string TokenNotAStrategyId(string token) => "'" + token + "' is not a strategy id.";

        public static string OneStrategyIdOnly(int count) => "this parameter takes one strategy id, not " + count.ToString(CultureInfo.InvariantCulture) + ".";

        public const string NullStrategyId = "an empty element ($null) is not a strategy id.";

        public static string NoStrategyIdIn(string text) => "'" + text + "' holds no strategy id.";

        public static string StrategyIdTooLarge(ulong value) =>
            "'" + value.ToString(CultureInfo.InvariantCulture) + "' is not a strategy id (larger than a 64-bit id).";

        public static string TypeNotAStrategyId(string typeName) => "a " + typeName + " is not a strategy id.";

        /// <summary>A refused parameter value, naming the parameter.</summary>
        public static string Parameter(string parameter, string message) => "Parameter -" + parameter + ": " + message;

        public const string NoProxyWithProxy = "-NoProxy cannot be combined with -Proxy, -ProxyCredential or -ProxyUseDefaultCredentials.";
        public const string ProxyCredentialTwice = "-ProxyCredential and -ProxyUseDefaultCredentials cannot be used together.";
        public const string ProxyCredentialWithoutProxy = "-ProxyCredential and -ProxyUseDefaultCredentials need -Proxy.";
        public const string ManualWithoutCheckpoint = "-ManualCheckpoint needs -CheckpointPath: there is no checkpoint to save to.";
        public const string WaitWithoutCheckpoint = "-WaitForCheckpointSec needs -CheckpointPath: without a checkpoint there is nothing to own.";
        public const string RestUriWithoutFill = "-RestUri is the REST address of -FillGapsFromHistory: add -FillGapsFromHistory, or leave -RestUri out.";

        public const string ProxyUri = "The proxy URI must be absolute and start with http:// or https://, for example http://proxy.example.com:8080.";

        public const string RestUri =
            "The REST address must be absolute and start with https:// (or http:// for a local simulator), for example https://api4-general.collective2.com.";

        public const string WebSocketUri =
            "The URI must be absolute and start with wss:// (or ws:// for a local simulator), for example wss://api4-general.collective2.com/ws.";
    }
}
