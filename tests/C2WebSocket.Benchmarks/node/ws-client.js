// Node.js baseline for the session-throughput case: the `ws` client, JSON.parse per message.
// Usage: node ws-client.js <uri> <apiKey> <strategyId> <messagesPerRound> <rounds>
// Prints READY once subscribed, then one line per round: ROUND <nanoseconds first->last> <count>.
'use strict';
const WebSocket = require('ws');

const [uri, apiKey, strategyIdText, perRoundText, roundsText] = process.argv.slice(2);
const strategyId = Number(strategyIdText);
const perRound = Number(perRoundText);
const rounds = Number(roundsText);

const stamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const ws = new WebSocket(uri, { headers: { Authorization: 'Bearer ' + apiKey }, perMessageDeflate: false });

let count = 0;
let first = 0n;
let done = 0;

ws.on('open', () => {
  ws.send(JSON.stringify({
    msg_type: 'subscription.request', request_id: 'node-1', timestamp: stamp(),
    payload: { action: 'subscribe', channel: 'strategy.signal', strategy_id: strategyId },
  }));
});

ws.on('message', (data) => {
  const m = JSON.parse(data);
  switch (m.msg_type) {
    case 'heartbeat':
      ws.send(JSON.stringify({ msg_type: 'heartbeat.ack', timestamp: stamp() }));
      break;
    case 'subscription.ack':
      process.stdout.write('READY\n');
      break;
    case 'strategy.signal': {
      const now = process.hrtime.bigint();
      if (count === 0) first = now;
      count++;
      if (count === perRound) {
        process.stdout.write('ROUND ' + (now - first).toString() + ' ' + count + '\n');
        count = 0;
        done++;
        if (done === rounds) { ws.close(1000); }
      }
      break;
    }
    default:
      break;
  }
});

ws.on('close', () => process.exit(0));
ws.on('error', (e) => { process.stderr.write('ERROR ' + e.message + '\n'); process.exit(2); });
