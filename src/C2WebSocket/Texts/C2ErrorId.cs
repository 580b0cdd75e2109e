namespace C2WebSocket
{
    /// <summary>
    /// The ErrorIds of the module, one constant per entry of <see cref="Commands.C2ErrorTable"/> (which gives each its
    /// category, when it happens and what to do). Product code names an ErrorId only through these constants; a unit test
    /// checks that every constant has exactly one table entry and every entry a constant. No PowerShell type here:
    /// Session/ uses them too.
    /// </summary>
    internal static class C2ErrorId
    {
        public const string ApiKeyMissing = "C2ApiKeyMissing";
        public const string AuthenticationFailed = "C2AuthenticationFailed";
        public const string RateLimited = "C2RateLimited";
        public const string ServiceUnavailable = "C2ServiceUnavailable";
        public const string UpgradeFailed = "C2UpgradeFailed";
        public const string DnsFailed = "C2DnsFailed";
        public const string TcpFailed = "C2TcpFailed";
        public const string TlsFailed = "C2TlsFailed";
        public const string ProxyFailed = "C2ProxyFailed";
        public const string ConnectTimeout = "C2ConnectTimeout";
        public const string ConnectionRejected = "C2ConnectionRejected";
        public const string ConnectFailed = "C2ConnectFailed";
        public const string UnencryptedAuthentication = "C2UnencryptedAuthentication";
        public const string InvalidParameterCombination = "C2InvalidParameterCombination";
        public const string CheckpointUnreadable = "C2CheckpointUnreadable";
        public const string CheckpointInUse = "C2CheckpointInUse";
        public const string CheckpointNotEnabled = "C2CheckpointNotEnabled";
        public const string CheckpointForeignSignal = "C2CheckpointForeignSignal";
        public const string CheckpointBeyondDelivered = "C2CheckpointBeyondDelivered";
        public const string CheckpointNotOwned = "C2CheckpointNotOwned";
        public const string CheckpointWriteFailed = "C2CheckpointWriteFailed";
        public const string NoSession = "C2NoSession";
        public const string SessionNotFound = "C2SessionNotFound";
        public const string SessionClosed = "C2SessionClosed";
        public const string SessionEnded = "C2SessionEnded";
        public const string SubscriptionRefused = "C2SubscriptionRefused";
        public const string SubscriptionLimit = "C2SubscriptionLimit";
        public const string SubscriptionTimeout = "C2SubscriptionTimeout";
        public const string ResumeFromNotSupported = "C2ResumeFromNotSupported";
        public const string SubscriptionNotFound = "C2SubscriptionNotFound";
        public const string UnsubscribeRefused = "C2UnsubscribeRefused";
        public const string NotSubscribed = "C2NotSubscribed";
        public const string ReplayGap = "C2ReplayGap";
        public const string InboxOverflow = "C2InboxOverflow";
        public const string ResubscribeFailed = "C2ResubscribeFailed";
        public const string SignalNotReplayable = "C2SignalNotReplayable";
        public const string ReconnectFailed = "C2ReconnectFailed";
        public const string SessionFaulted = "C2SessionFaulted";
        public const string MessageTooLarge = "C2MessageTooLarge";
        public const string ServerError = "C2ServerError";
        public const string RestForbidden = "C2RestForbidden";
        public const string RestNotFound = "C2RestNotFound";
        public const string RestRefused = "C2RestRefused";
        public const string RestRateLimited = "C2RestRateLimited";
        public const string RestUnavailable = "C2RestUnavailable";
        public const string RestServerError = "C2RestServerError";
        public const string RestTimeout = "C2RestTimeout";
        public const string RestConnectFailed = "C2RestConnectFailed";
        public const string RestInvalidResponse = "C2RestInvalidResponse";
    }
}
