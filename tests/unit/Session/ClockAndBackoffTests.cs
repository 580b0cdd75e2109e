using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace C2WebSocket.Tests.Units
{
    /// <summary>The server clock estimate, on a fake local clock.</summary>
    public class ServerClockTests
    {
        private readonly TestClock _local = new TestClock();
        private readonly ServerClock _clock;

        public ServerClockTests() { _clock = new ServerClock(_local); }

        private DateTimeOffset Local => _local.GetUtcNow();

        [Fact]
        public void Without_samples_it_is_the_local_clock()
        {
            Assert.Equal(TimeSpan.Zero, _clock.Offset);
            Assert.Equal(Local, _clock.Now);
            Assert.Null(_clock.Sample(null));
            Assert.Equal(Local, _clock.Now);
        }

        [Fact]
        public void A_skew_under_two_seconds_is_not_corrected()
        {
            Assert.Null(_clock.Sample(Local + TimeSpan.FromSeconds(1.5)));
            Assert.Null(_clock.Sample(Local - TimeSpan.FromSeconds(1.9)));
            Assert.Equal(TimeSpan.Zero, _clock.Offset);
        }

        [Fact]
        public void The_first_real_skew_is_taken_at_once()
        {
            Assert.Equal(TimeSpan.FromMinutes(5), _clock.Sample(Local + TimeSpan.FromMinutes(5)));
            Assert.Equal(TimeSpan.FromMinutes(5), _clock.Offset);
            Assert.Equal(Local + TimeSpan.FromMinutes(5), _clock.Now);
            _local.Step(TimeSpan.FromSeconds(30));
            Assert.Equal(Local + TimeSpan.FromMinutes(5), _clock.Now); // the correction follows the local clock
        }

        [Fact]
        public void After_the_first_sample_a_change_needs_two_agreeing_timestamps()
        {
            _clock.Sample(Local + TimeSpan.FromMinutes(5));
            Assert.Null(_clock.Sample(Local - TimeSpan.FromHours(3)));           // one junk timestamp
            Assert.Equal(TimeSpan.FromMinutes(5), _clock.Offset);
            Assert.Null(_clock.Sample(Local + TimeSpan.FromSeconds(30)));        // a candidate that disagrees with the junk
            Assert.Equal(TimeSpan.FromMinutes(5), _clock.Offset);
            var moved = _clock.Sample(Local + TimeSpan.FromSeconds(31));          // agrees with it (within 2 s)
            Assert.Equal(TimeSpan.FromSeconds(31), moved);
            Assert.Equal(TimeSpan.FromSeconds(31), _clock.Offset);
        }

        [Fact]
        public void A_timestamp_that_agrees_with_the_offset_clears_a_pending_candidate()
        {
            _clock.Sample(Local + TimeSpan.FromMinutes(5));
            Assert.Null(_clock.Sample(Local - TimeSpan.FromHours(3)));
            Assert.Null(_clock.Sample(Local + TimeSpan.FromMinutes(5)));
            Assert.Null(_clock.Sample(Local - TimeSpan.FromHours(3)));           // junk, good, junk: never two in a row
            Assert.Equal(TimeSpan.FromMinutes(5), _clock.Offset);
        }

        [Fact]
        public void A_first_sample_in_step_with_the_local_clock_makes_a_later_skew_need_two_samples()
        {
            Assert.Null(_clock.Sample(Local));
            Assert.Null(_clock.Sample(Local + TimeSpan.FromMinutes(5)));
            Assert.Equal(TimeSpan.Zero, _clock.Offset);
            Assert.Equal(TimeSpan.FromMinutes(5), _clock.Sample(Local + TimeSpan.FromMinutes(5)));
        }
    }

    /// <summary>Reconnect delays.</summary>
    public class BackoffTests
    {
        private static readonly TimeSpan First = TimeSpan.FromSeconds(1), Max = TimeSpan.FromSeconds(60), Throttled = TimeSpan.FromSeconds(15);

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(99)]
        public void Each_delay_is_half_to_all_of_the_exponential_step_capped_at_the_maximum(int seed)
        {
            var backoff = new Backoff(First, Max, Throttled, seed);
            for (var attempt = 1; attempt <= 12; attempt++)
            {
                var step = TimeSpan.FromTicks(Math.Min(First.Ticks << (attempt - 1), Max.Ticks));
                var delay = backoff.Delay(attempt, throttled: false, retryAfter: null);
                Assert.InRange(delay, TimeSpan.FromTicks(step.Ticks / 2), step);
            }
        }

        [Fact]
        public void The_jitter_spreads_the_delays_and_a_seed_repeats_them()
        {
            var a = new Backoff(First, Max, Throttled, 5);
            var b = new Backoff(First, Max, Throttled, 5);
            var fromA = Enumerable.Range(0, 50).Select(_ => a.Delay(3, false, null)).ToList();
            var fromB = Enumerable.Range(0, 50).Select(_ => b.Delay(3, false, null)).ToList();
            Assert.Equal(fromA, fromB);
            Assert.True(fromA.Distinct().Count() > 40, "the delays of 50 clients reconnecting together are spread out");
            Assert.True(fromA.Min() < TimeSpan.FromSeconds(2.5) && fromA.Max() > TimeSpan.FromSeconds(3.5), "spread over the range: " + fromA.Min() + " .. " + fromA.Max());
        }

        [Fact]
        public void A_throttle_waits_at_least_the_throttled_interval_or_the_servers_Retry_After()
        {
            var backoff = new Backoff(First, Max, Throttled, 1);
            Assert.True(backoff.Delay(1, throttled: true, retryAfter: null) >= Throttled);
            Assert.True(backoff.Delay(1, throttled: true, retryAfter: TimeSpan.FromSeconds(40)) >= TimeSpan.FromSeconds(40));
            Assert.Equal(TimeSpan.FromSeconds(3), backoff.Delay(1, throttled: true, retryAfter: TimeSpan.FromSeconds(3))); // the server's word, shorter than ours
            var late = backoff.Delay(10, throttled: true, retryAfter: TimeSpan.FromSeconds(3));
            Assert.InRange(late, TimeSpan.FromSeconds(30), Max);                        // never below the exponential step
            Assert.True(backoff.Delay(1, throttled: false, retryAfter: TimeSpan.FromSeconds(40)) <= First, "Retry-After applies only to a throttle");
        }

        [Theory]
        [InlineData(0)]
        [InlineData(-3)]
        [InlineData(1000)]
        [InlineData(int.MaxValue)]
        public void Out_of_range_attempts_stay_within_the_first_and_maximum_delays(int attempt)
        {
            var delay = new Backoff(First, Max, Throttled, 3).Delay(attempt, false, null);
            Assert.InRange(delay, TimeSpan.FromTicks(First.Ticks / 2), Max);
            if (attempt <= 1) Assert.True(delay <= First);
        }
    }
}
