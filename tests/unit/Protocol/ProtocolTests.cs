using System;
using System.Text;
using System.Text.Json;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests
{
    public class ProtocolTests
    {
        private static (Envelope Env, byte[] Bytes) Decode(string json)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            return (EnvelopeReader.Decode(bytes, bytes.Length), bytes);
        }

        [Fact]
        public void Decodes_connection_connected_without_payload()
        {
            var (m, b) = Decode("{\"msg_type\":\"connection.connected\",\"id\":\"msg_a1b2c3d4e5f6a1b2c3d4e5f6a7b8\",\"timestamp\":\"2024-01-01T12:00:00Z\",\"v\":4}");
            Assert.Equal(MessageKind.Connected, m.Kind);
            Assert.Equal("msg_a1b2c3d4e5f6a1b2c3d4e5f6a7b8", m.Id.Decode(b));
            Assert.Equal(new DateTimeOffset(2024, 1, 1, 12, 0, 0, TimeSpan.Zero), m.ParseTimestamp(b));
            Assert.Equal(4, m.Version);
            Assert.False(m.HasPayload);
            Assert.Null(m.SeqId);
            Assert.Null(m.Malformed);
        }

        [Fact]
        public void Decodes_heartbeat_and_signal_with_seq_and_fractional_timestamp()
        {
            Assert.Equal(MessageKind.Heartbeat, Decode("{\"msg_type\":\"heartbeat\",\"id\":\"msg_x\",\"timestamp\":\"2024-01-01T12:00:00Z\",\"v\":4}").Env.Kind);
            var (s, b) = Decode("{\"msg_type\":\"strategy.signal\",\"id\":\"msg_1\",\"seq_id\":98765,\"timestamp\":\"2024-01-01T12:00:00.123456Z\",\"v\":4,\"payload\":{\"symbol\":\"ESZ6\",\"strategy_id\":12345678}}");
            Assert.Equal(MessageKind.Signal, s.Kind);
            Assert.Equal(98765L, s.SeqId);
            Assert.Equal(123, s.ParseTimestamp(b)!.Value.Millisecond);
            Assert.Equal(12345678L, s.StrategyId);
            Assert.Equal(StrategySource.Payload, s.StrategySource);
            Assert.Equal("ESZ6", PayloadFields.Decode(b, s.PayloadStart, s.PayloadLength)["symbol"]);
        }

        [Theory]
        [InlineData("{\"msg_type\":\"strategy.signal\",\"seq_id\":1,\"payload\":{\"strategy_id\":12345678}}", StrategySource.Payload)]
        [InlineData("{\"msg_type\":\"strategy.signal\",\"seq_id\":1,\"payload\":{\"StrategyId\":12345678}}", StrategySource.Payload)]
        [InlineData("{\"msg_type\":\"strategy.signal\",\"seq_id\":1,\"payload\":{\"strategyId\":\"12345678\"}}", StrategySource.Payload)]
        [InlineData("{\"msg_type\":\"strategy.signal\",\"seq_id\":1,\"payload\":{\"STRATEGY_ID\":12345678}}", StrategySource.Payload)]
        [InlineData("{\"msg_type\":\"strategy.signal\",\"seq_id\":1,\"strategy_id\":12345678,\"payload\":{\"x\":1}}", StrategySource.Envelope)]
        [InlineData("{\"msg_type\":\"strategy.signal\",\"seq_id\":1,\"channel\":\"strategy.signal:12345678\",\"payload\":{}}", StrategySource.StreamName)]
        [InlineData("{\"msg_type\":\"strategy.signal\",\"seq_id\":1,\"payload\":{\"C2Symbol\":{\"StrategyId\":5},\"StrategyId\":12345678}}", StrategySource.Payload)]
        internal void Finds_the_strategy_wherever_a_server_may_put_it(string json, StrategySource source)
        {
            var (m, _) = Decode(json);
            Assert.Equal(12345678L, m.StrategyId);
            Assert.Equal(source, m.StrategySource);
        }

        [Fact]
        public void A_nested_strategy_id_is_not_taken_for_the_message_strategy()
        {
            var (m, _) = Decode("{\"msg_type\":\"strategy.signal\",\"seq_id\":1,\"payload\":{\"legs\":[{\"strategy_id\":5}],\"C2Symbol\":{\"StrategyId\":7}}}");
            Assert.Null(m.StrategyId);
            Assert.Equal(StrategySource.None, m.StrategySource);
        }

        [Theory]
        [InlineData("4")]
        [InlineData("\"4\"")]
        public void Version_is_read_as_a_number_or_a_string(string v)
        {
            Assert.Equal(4, Decode("{\"msg_type\":\"heartbeat\",\"v\":" + v + "}").Env.Version);
        }

        [Fact]
        public void Decodes_subscription_ack_with_request_id_and_empty_or_absent_payload()
        {
            Assert.Equal("my-sub-001", Decode("{\"msg_type\":\"subscription.ack\",\"request_id\":\"my-sub-001\",\"timestamp\":\"2024-01-01T12:00:00Z\",\"v\":4,\"payload\":{}}").Env.RequestId);
            var absent = Decode("{\"msg_type\":\"subscription.ack\",\"request_id\":\"r2\"}").Env;
            Assert.Equal(MessageKind.Ack, absent.Kind);
            Assert.False(absent.HasPayload);
        }

        [Fact]
        public void Decodes_error_in_both_documented_shapes()
        {
            var (single, b1) = Decode("{\"msg_type\":\"error\",\"payload\":{\"code\":\"FORBIDDEN\",\"field\":\"StrategyId\",\"message\":\"Not authorized to subscribe to Strategy\"}}");
            using (var doc = single.PayloadDocument(b1))
            {
                var e1 = C2ServerError.FromPayload(doc!.RootElement, single.RequestId);
                Assert.Equal("FORBIDDEN", e1.Code);
                Assert.Equal("StrategyId", e1.Field);
                Assert.Equal("FORBIDDEN (field 'StrategyId'): Not authorized to subscribe to Strategy", e1.ToString());
            }
            var (multi, b2) = Decode("{\"msg_type\":\"error\",\"request_id\":\"r1\",\"payload\":{\"errors\":[{\"code\":\"INVALID_PARAMETER\",\"field\":\"Channel\",\"message\":\"bad\"},{\"code\":\"INVALID_PARAMETER\",\"field\":\"ResumeFrom\",\"message\":\"must be a number\"}]}}");
            using (var doc = multi.PayloadDocument(b2))
            {
                var e2 = C2ServerError.FromPayload(doc!.RootElement, multi.RequestId);
                Assert.Equal(2, e2.Errors.Count);
                Assert.Equal("INVALID_PARAMETER", e2.Code);
                Assert.Contains("Channel", e2.ToString());
                Assert.Equal("r1", e2.RequestId);
                Assert.True(ServerReplies.IsResumeFromRefusal(e2));
            }
        }

        [Theory]
        [InlineData("\"seq_id\":\"notanumber\"", "seq_id")]
        [InlineData("\"seq_id\":1.5", "seq_id")]
        [InlineData("\"seq_id\":{}", "seq_id")]
        [InlineData("\"timestamp\":42", "timestamp")]
        [InlineData("\"id\":7", "id")]
        [InlineData("\"id\":[\"a\"]", "id")]
        public void Envelope_fields_of_the_wrong_type_make_the_message_malformed(string field, string name)
        {
            var (m, _) = Decode("{\"msg_type\":\"strategy.signal\"," + field + ",\"payload\":{\"strategy_id\":5}}");
            Assert.NotNull(m.Malformed);
            Assert.Contains("'" + name + "'", m.Malformed);
            Assert.Equal(MessageKind.Signal, m.Kind);
        }

        [Fact]
        public void Null_envelope_fields_are_absent_not_malformed_and_unknown_ones_are_ignored()
        {
            var (m, _) = Decode("{\"msg_type\":\"strategy.hologram\",\"future_field\":{\"a\":[1,2]},\"seq_id\":null,\"v\":\"four\",\"timestamp\":null,\"id\":null}");
            Assert.Equal(MessageKind.Unknown, m.Kind);
            Assert.Equal("strategy.hologram", m.UnknownType);
            Assert.Null(m.Malformed);
            Assert.Null(m.SeqId);
            Assert.Null(m.Version);
            Assert.False(m.HasId);
        }

        [Theory]
        [InlineData("not json", "MalformedJson")]
        [InlineData("[1,2,3]", "NotAnObject")]
        [InlineData("\"text\"", "NotAnObject")]
        [InlineData("{\"payload\":{}}", "MissingMsgType")]
        [InlineData("{\"msg_type\":\"heartbeat\"", "MalformedJson")]
        [InlineData("{\"msg_type\":\"heartbeat\"} {}", "MalformedJson")]
        public void Rejects_what_is_not_a_message_with_a_reason(string json, string reason)
        {
            var ex = Assert.Throws<ProtocolException>(() => Decode(json));
            Assert.Equal(reason, ex.Reason);
        }

        [Fact]
        public void A_msg_type_of_the_wrong_type_is_malformed()
        {
            Assert.NotNull(Decode("{\"msg_type\":5}").Env.Malformed);
        }

        [Fact]
        public void Rejects_invalid_utf8()
        {
            var bytes = new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}' };
            Assert.Equal("InvalidUtf8", Assert.Throws<ProtocolException>(() => EnvelopeReader.Decode(bytes, bytes.Length)).Reason);
        }

        [Fact]
        public void The_same_id_hashes_the_same_and_different_ids_differently()
        {
            var a = Decode("{\"msg_type\":\"strategy.signal\",\"id\":\"msg_aaa\",\"seq_id\":1}").Env.IdHash;
            var a2 = Decode("{\"id\":\"msg_aaa\",\"msg_type\":\"strategy.signal\",\"seq_id\":7}").Env.IdHash;
            var b = Decode("{\"msg_type\":\"strategy.signal\",\"id\":\"msg_aab\",\"seq_id\":1}").Env.IdHash;
            Assert.NotEqual(0UL, a);
            Assert.Equal(a, a2);
            Assert.NotEqual(a, b);
        }

        [Fact]
        public void Encodes_heartbeat_ack_with_utc_timestamp()
        {
            var json = Encoding.UTF8.GetString(ClientMessages.HeartbeatAck(new DateTimeOffset(2024, 1, 1, 12, 0, 30, TimeSpan.Zero)));
            Assert.Equal("{\"msg_type\":\"heartbeat.ack\",\"timestamp\":\"2024-01-01T12:00:30Z\"}", json);
        }

        [Theory]
        [InlineData(ResumeFromWireType.String, "\"resume_from\":\"98765\"")]
        [InlineData(ResumeFromWireType.Number, "\"resume_from\":98765")]
        public void Encodes_subscription_request_as_documented(ResumeFromWireType type, string resume)
        {
            var at = new DateTimeOffset(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);
            var json = Encoding.UTF8.GetString(ClientMessages.Subscription("subscribe", new StreamKey("strategy.signal", 12345678), "my-sub-001", 98765, type, at));
            Assert.Equal("{\"msg_type\":\"subscription.request\",\"request_id\":\"my-sub-001\",\"timestamp\":\"2024-01-01T12:00:00Z\",\"payload\":{\"action\":\"subscribe\",\"channel\":\"strategy.signal\",\"strategy_id\":12345678," + resume + "}}", json);
            var noResume = Encoding.UTF8.GetString(ClientMessages.Subscription("unsubscribe", new StreamKey("strategy.positions", 5), null, 98765, type, at));
            Assert.Equal("{\"msg_type\":\"subscription.request\",\"timestamp\":\"2024-01-01T12:00:00Z\",\"payload\":{\"action\":\"unsubscribe\",\"channel\":\"strategy.positions\",\"strategy_id\":5}}", noResume);
        }

        [Theory]
        [InlineData("plain-id")]
        [InlineData("quote\" back\\slash <tag> & 'apos' +plus")]
        [InlineData("control\u0001\t\n\u007f end")]
        [InlineData("ünïcödé € 😀")]
        public void Request_ids_round_trip_through_a_json_parser(string requestId)
        {
            // The client messages are written by hand: whatever a user puts in a request id must come back intact.
            var bytes = ClientMessages.Subscription("subscribe", new StreamKey("strategy.signal", 1), requestId, null, ResumeFromWireType.Number, DateTimeOffset.UnixEpoch);
            using var doc = System.Text.Json.JsonDocument.Parse(bytes);
            Assert.Equal(requestId, doc.RootElement.GetProperty("request_id").GetString());
            Assert.Equal("subscribe", doc.RootElement.GetProperty("payload").GetProperty("action").GetString());
        }

        [Theory]
        [InlineData("strategy.signal:12345678", "strategy.signal", 12345678L)]
        [InlineData("strategy.positions:7", "strategy.positions", 7L)]
        [InlineData("strategy.signal:?", "strategy.signal", null)]
        [InlineData("strategy.signal", "strategy.signal", null)]
        public void Stream_names_parse_and_print_one_way(string text, string channel, long? strategy)
        {
            Assert.True(StreamKey.TryParse(text, out var key));
            Assert.Equal(channel, key.Channel);
            Assert.Equal(strategy, key.StrategyId);
            Assert.True(StreamKey.TryParse(key.ToString(), out var again));
            Assert.Equal(key, again);
        }

        [Theory]
        [InlineData("strategy.news:1")]
        [InlineData("strategy.signal:abc")]
        [InlineData("strategy.signal:-5")]
        [InlineData("")]
        public void Rejects_what_is_not_a_stream_name(string text) => Assert.False(StreamKey.TryParse(text, out _));

        [Fact]
        public void Decodes_payloads_without_a_schema_keeping_prices_exact_and_times_typed()
        {
            var json = "{\"symbol\":\"ESZ6\",\"quantity\":2,\"limit_price\":5012.25,\"legs\":[{\"x\":1}],\"flag\":true,\"none\":null,\"posted_at\":\"2026-11-30T08:31:44.123Z\",\"note\":\"2026 plan\",\"\":1,\"Symbol\":\"NQZ6\"}";
            var bytes = Encoding.UTF8.GetBytes(json);
            var f = PayloadFields.Decode(bytes, 0, bytes.Length);
            Assert.Equal("NQZ6", f["symbol"]); // last value wins for a name repeated in another letter case
            Assert.Equal(2L, f["quantity"]);
            Assert.Equal(5012.25m, f["limit_price"]);
            Assert.Equal(true, f["flag"]);
            Assert.Null(f["none"]);
            Assert.Equal(new DateTimeOffset(2026, 11, 30, 8, 31, 44, 123, TimeSpan.Zero), f["posted_at"]);
            Assert.Equal("2026 plan", f["note"]);
            Assert.Equal(-1, f.IndexOf(""));
            var legs = (object?[])f["legs"]!;
            Assert.Equal(1L, ((PayloadFields)legs[0]!)["x"]);
            Assert.Equal("{\"x\":1}", ((PayloadFields)legs[0]!).Json);
        }
    }
}
