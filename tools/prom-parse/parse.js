// Reads a Prometheus text exposition on standard input and prints what parse-prometheus-text-format makes of it, as
// JSON: [{name, help, type, metrics: [{labels, value} | {labels, buckets, count, sum}]}]. Exits 1 when it cannot parse.
const parse = require('parse-prometheus-text-format');
let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { text += chunk; });
process.stdin.on('end', () => {
  try {
    process.stdout.write(JSON.stringify(parse(text)));
  } catch (e) {
    process.stderr.write(String(e && e.message ? e.message : e) + '\n');
    process.exit(1);
  }
});
