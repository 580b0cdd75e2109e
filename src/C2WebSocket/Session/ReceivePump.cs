using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using C2WebSocket.Transport;

namespace C2WebSocket
{
    /// <summary>
    /// The receive pump of one connection (its own task): reads whole messages and posts them to the loop, then posts
    /// how the connection ended. The only code that reads a socket; it touches no session state. Moved verbatim from
    /// the former partial SessionLoop (Supervisor.cs PumpAsync).
    /// </summary>
    internal static class ReceivePump
    {
        /// <summary>Reads messages and posts them to the loop; the only code that reads the socket. Never throws.</summary>
        public static async Task RunAsync(Link link, int gen, IC2Connection conn, Func<Input, ValueTask<bool>> postMessage, Action<Input> post, Action wake)
        {
            var end = new ConnectionEnd();
            try
            {
                while (true)
                {
                    var receiving = conn.ReceiveAsync(CancellationToken.None);
                    if (!receiving.IsCompleted) wake(); // about to wait for the network: readers get what this thread queued
                    var received = await receiving.ConfigureAwait(false);
                    if (!(received is ReceivedMessage message))
                    {
                        var status = conn.CloseStatus;
                        await conn.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                        end.CloseStatus = status;
                        end.CloseDescription = conn.CloseDescription;
                        end.Reason = TransportTexts.ServerClosed(status, end.CloseDescription);
                        break;
                    }
                    var input = new Input(InputKind.Message, link, gen, message.Data, message.IsBinary);
                    var posted = postMessage(input);
                    if (!posted.IsCompleted) wake(); // waiting for room
                    if (!await posted.ConfigureAwait(false)) return; // the session ended
                }
            }
            catch (MessageTooLargeException ex)
            {
                conn.Abort();
                end.TooLarge = ex;
                end.Reason = TransportTexts.OverSizeLimit;
            }
            catch (Exception ex)
            {
                conn.Abort();
                end.Reason = TransportTexts.ConnectionFailed(ConnectFailures.Innermost(ex).Message);
            }
            finally
            {
                wake(); // however the pump stops, readers get what it queued
            }
            post(new Input(InputKind.Ended, link, gen, arg: end));
        }
    }
}
