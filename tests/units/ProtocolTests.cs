using System;
using System.Linq;
using System.Text;
using System.Text.Json;
using C2WebSocket.Protocol;
using Xunit;

namespace C2WebSocket.Tests
{
    public class ProtocolTests
    {
        private static ServerMessage Decode(string json)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            return ServerMessage.Decode(bytes, bytes.Length);
        }

        [Fact]
        public void Decodes_connection_connected_without_payload()
        {
            var m = Decode("{\"msg_type\":\"connection.connected\",\"id\":\"msg_a1b2c3d4e5f6a1b2c3d4e5f6a7b8\",\"timestamp\":\"2024-01-01T12:00:00Z\",\"v\":4}");
            Assert.Equal(MessageTypes.ConnectionConnected, m.MsgType);
            Assert.Equal("msg_a1b2c3d4e5f6a1b2c3d4e5f6a7b8", m.Id);
            Assert.Equal(new DateTimeOffset(2024, 1, 1, 12, 0, 0, TimeSpan.Zero), m.Timestamp);
            Assert.Equal(4, m.Version);
            Assert.Null(m.Payload);
            Assert.Null(m.SeqId);
        }

        [Fact]
        public void Decodes_heartbeat_and_signal_with_seq_and_fractional_timestamp()
        {
            Assert.Equal(MessageTypes.Heartbeat, Decode("{\"msg_type\":\"heartbeat\",\"id\":\"msg_x\",\"timestamp\":\"2024-01-01T12:00:00Z\",\"v\":4}").MsgType);
            var s = Decode("{\"msg_type\":\"strategy.signal\",\"id\":\"msg_1\",\"seq_id\":98765,\"timestamp\":\"2024-01-01T12:00:00.123456Z\",\"v\":4,\"payload\":{\"symbol\":\"ESZ6\"}}");
            Assert.Equal(98765L, s.SeqId);
            Assert.Equal(123, s.Timestamp!.Value.Millisecond);
            Assert.Equal("ESZ6", s.PayloadString("symbol"));
        }

        [Fact]
        public void Decodes_subscription_ack_with_request_id()
        {
            var m = Decode("{\"msg_type\":\"subscription.ack\",\"request_id\":\"my-sub-001\",\"timestamp\":\"2024-01-01T12:00:00Z\",\"v\":4,\"payload\":{}}");
            Assert.Equal("my-sub-001", m.RequestId);
        }

        [Fact]
        public void Decodes_gap_as_documented()
        {
            var m = Decode("{\"msg_type\":\"gap\",\"id\":\"msg_g\",\"timestamp\":\"2024-01-01T12:00:00Z\",\"v\":4,\"payload\":{\"strategy_id\":null,\"channel\":\"strategy.signal:12345678\",\"from\":\"98765\",\"message\":\"Replay limit of 1000 messages exceeded\"}}");
            Assert.Equal("strategy.signal:12345678", m.PayloadString("channel"));
            Assert.Equal(98765L, m.PayloadInt64("from"));
            Assert.Null(m.PayloadInt64("strategy_id"));
        }

        [Fact]
        public void Decodes_error_in_both_documented_shapes()
        {
            var single = Decode("{\"msg_type\":\"error\",\"payload\":{\"code\":\"FORBIDDEN\",\"field\":\"StrategyId\",\"message\":\"Not authorized to subscribe to Strategy\"}}");
            var e1 = C2ServerError.FromPayload(single.Payload, single.RequestId);
            Assert.Equal("FORBIDDEN", e1.Code);
            Assert.Equal("StrategyId", e1.Field);
            Assert.Equal("FORBIDDEN (field 'StrategyId'): Not authorized to subscribe to Strategy", e1.ToString());

            var multi = Decode("{\"msg_type\":\"error\",\"request_id\":\"r1\",\"payload\":{\"errors\":[{\"code\":\"INVALID_PARAMETER\",\"field\":\"Channel\",\"message\":\"bad\"},{\"code\":\"INVALID_PARAMETER\",\"field\":\"StrategyId\",\"message\":\"must be positive\"}]}}");
            var e2 = C2ServerError.FromPayload(multi.Payload, multi.RequestId);
            Assert.Equal(2, e2.Errors.Count);
            Assert.Equal("INVALID_PARAMETER", e2.Code);
            Assert.Contains("Channel", e2.ToString());
            Assert.Contains("StrategyId", e2.ToString());
            Assert.Equal("r1", e2.RequestId);
            Assert.Contains("errors", e2.RawPayload);
        }

        [Fact]
        public void Tolerates_unknown_fields_types_and_wrongly_typed_envelope_fields()
        {
            var m = Decode("{\"msg_type\":\"strategy.hologram\",\"future_field\":{\"a\":[1,2]},\"seq_id\":\"12\",\"v\":\"four\",\"timestamp\":42,\"id\":7}");
            Assert.Equal("strategy.hologram", m.MsgType);
            Assert.Null(m.SeqId);
            Assert.Null(m.Version);
            Assert.Null(m.Timestamp);
            Assert.Null(m.Id);
            Assert.Equal(4, m.TypeMismatches);
        }

        [Theory]
        [InlineData("not json", "MalformedJson")]
        [InlineData("[1,2,3]", "NotAnObject")]
        [InlineData("\"text\"", "NotAnObject")]
        [InlineData("{\"payload\":{}}", "MissingMsgType")]
        [InlineData("{\"msg_type\":5}", "MissingMsgType")]
        [InlineData("{\"msg_type\":\"heartbeat\"", "MalformedJson")]
        public void Rejects_what_is_not_a_message_with_a_reason(string json, string reason)
        {
            var ex = Assert.Throws<ProtocolException>(() => Decode(json));
            Assert.Equal(reason, ex.Reason);
        }

        [Fact]
        public void Rejects_invalid_utf8()
        {
            var bytes = new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}' };
            Assert.Throws<ProtocolException>(() => ServerMessage.Decode(bytes, bytes.Length));
        }

        [Fact]
        public void Encodes_heartbeat_ack_with_utc_timestamp()
        {
            var json = Encoding.UTF8.GetString(ClientMessages.HeartbeatAck(new DateTime(2024, 1, 1, 12, 0, 30, DateTimeKind.Utc)));
            Assert.Equal("{\"msg_type\":\"heartbeat.ack\",\"timestamp\":\"2024-01-01T12:00:30Z\"}", json);
        }

        [Theory]
        [InlineData(ResumeFromWireType.String, "\"resume_from\":\"98765\"")]
        [InlineData(ResumeFromWireType.Number, "\"resume_from\":98765")]
        public void Encodes_subscription_request_as_documented(ResumeFromWireType type, string resume)
        {
            var json = Encoding.UTF8.GetString(ClientMessages.Subscription("subscribe", "strategy.signal", 12345678, "my-sub-001", 98765, type, new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc)));
            Assert.Equal("{\"msg_type\":\"subscription.request\",\"request_id\":\"my-sub-001\",\"timestamp\":\"2024-01-01T12:00:00Z\",\"payload\":{\"action\":\"subscribe\",\"channel\":\"strategy.signal\",\"strategy_id\":12345678," + resume + "}}", json);
            var noResume = Encoding.UTF8.GetString(ClientMessages.Subscription("unsubscribe", "strategy.positions", 5, null, null, type, new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc)));
            Assert.Equal("{\"msg_type\":\"subscription.request\",\"timestamp\":\"2024-01-01T12:00:00Z\",\"payload\":{\"action\":\"unsubscribe\",\"channel\":\"strategy.positions\",\"strategy_id\":5}}", noResume);
        }

        [Fact]
        public void Projects_payload_without_a_schema_keeping_prices_exact()
        {
            using var doc = JsonDocument.Parse("{\"symbol\":\"ESZ6\",\"quantity\":2,\"limit_price\":5012.25,\"legs\":[{\"x\":1}],\"flag\":true,\"none\":null}");
            var pso = (System.Management.Automation.PSObject)JsonProjection.ToPowerShell(doc.RootElement)!;
            Assert.Equal("ESZ6", pso.Properties["symbol"].Value);
            Assert.Equal(2L, pso.Properties["quantity"].Value);
            Assert.Equal(5012.25m, pso.Properties["limit_price"].Value);
            Assert.True((bool)pso.Properties["flag"].Value);
            Assert.Null(pso.Properties["none"].Value);
            var legs = (object[])pso.Properties["legs"].Value;
            Assert.Equal(1L, ((System.Management.Automation.PSObject)legs[0]).Properties["x"].Value);
        }
    }
}
