// A small SMTP server for the end-to-end test, on the loopback: enough of
// RFC 5321 for zicht's mail worker (EHLO/HELO, MAIL, RCPT, DATA, RSET,
// NOOP, QUIT). Every message it accepts is written whole to DIR as one
// JSON file ({ from, to, data }), through a rename, so a reader never sees
// half of one. Usage: node smtp-sink.mjs PORT DIR
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';

const [port, dir] = process.argv.slice(2);
if (!port || !dir) {
  console.error('usage: node smtp-sink.mjs PORT DIR');
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });
let count = 0;

const address = (line) => (line.match(/<([^>]*)>/) || [])[1] || '';

net.createServer((socket) => {
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  let buffer = '';
  let inData = false;
  let data = [];
  let from = '';
  let to = [];
  const say = (text) => socket.write(`${text}\r\n`);
  say('220 e2e-sink ESMTP');
  socket.on('data', (chunk) => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          count += 1;
          const file = path.join(dir, `${String(count).padStart(6, '0')}.json`);
          fs.writeFileSync(`${file}.tmp`, JSON.stringify({ from, to, data: data.join('\r\n') }));
          fs.renameSync(`${file}.tmp`, file);
          data = [];
          to = [];
          say('250 2.0.0 queued');
        } else {
          data.push(line.startsWith('.') ? line.slice(1) : line);
        }
        continue;
      }
      const verb = line.split(/[ :]/)[0].toUpperCase();
      if (verb === 'EHLO') socket.write('250-e2e-sink\r\n250 8BITMIME\r\n');
      else if (verb === 'HELO') say('250 e2e-sink');
      else if (verb === 'MAIL') { from = address(line); to = []; say('250 2.1.0 ok'); }
      else if (verb === 'RCPT') { to.push(address(line)); say('250 2.1.5 ok'); }
      else if (verb === 'DATA') { inData = true; say('354 end with <CRLF>.<CRLF>'); }
      else if (verb === 'RSET' || verb === 'NOOP') say('250 2.0.0 ok');
      else if (verb === 'QUIT') { say('221 2.0.0 bye'); socket.end(); }
      else say('502 5.5.2 not implemented');
    }
  });
}).listen(Number(port), '127.0.0.1', () => console.log(`# smtp sink on 127.0.0.1:${port}, mail in ${dir}`));
