// Three Node workers, each posting 42 back: the worker program record's tests run on
// every node (Debian's through the preload, the official ones through uprobes).
const {Worker} = require('worker_threads');
let n = 0;
for (let i = 0; i < 3; i++) {
  const w = new Worker("require('worker_threads').parentPort.postMessage(6 * 7)", {eval: true});
  w.on('message', m => console.log('got', m));
  w.on('exit', () => { if (++n === 3) console.log('all workers exited'); });
}
