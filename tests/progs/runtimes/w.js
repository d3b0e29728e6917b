'use strict';
// w.js - the Node.js workloads of tests/scenario/workloads-runtimes.sh
const fs = require('fs');
const cp = require('child_process');
const net = require('net');
const dgram = require('dgram');
const { Worker, isMainThread, parentPort } = require('worker_threads');

// the port a listener of another process got, once it is there
function port(f, cb) {
	if (fs.existsSync(f))
		return cb(parseInt(fs.readFileSync(f, 'ascii'), 10));
	setTimeout(() => port(f, cb), 25);
}
// written aside and renamed into place, so a reader never sees half
function publish(f, p) {
	fs.writeFileSync(f + '.tmp', p + '\n');
	fs.renameSync(f + '.tmp', f);
}
function done(err) {
	if (err)
		throw err;
}

if (!isMainThread) {
	// a worker thread reads the secret (through libuv's pool) and posts it
	fs.readFile('secret', (err, d) => { done(err); parentPort.postMessage(d); });
	return;
}
switch (process.argv[2]) {
case 'thr': {
	const w = fs.createWriteStream('out');
	new Worker(__filename).once('message', (d) => {
		// once closed ('close', not 'finish': the file is let go)
		w.once('close', () => {
			fs.readFile('decoy', (err, x) => {
				done(err);
				fs.writeFile('dout', x, done);
			});
		});
		w.end(Buffer.from(d));
	});
	break;
}
case 'proc': {
	// a child's output through a pipe; secret2 into a child's stdin
	const c = cp.spawn('cat', ['secret']);
	const parts = [];
	c.stdout.on('data', (d) => parts.push(d));
	c.on('close', () => {
		fs.writeFileSync('out', Buffer.concat(parts));
		const q = cp.exec('cat > cout', () => fs.readFileSync('decoy'));
		q.stdin.end(fs.readFileSync('secret2'));
	});
	break;
}
case 'tcp4': {
	// client and server in one process, 127.0.0.1, port 0
	const s = net.createServer((c) => c.end(fs.readFileSync('secret')));
	s.listen(0, '127.0.0.1', () => {
		const parts = [];
		const c = net.connect(s.address().port, '127.0.0.1');
		c.on('data', (d) => parts.push(d));
		c.on('end', () => {
			fs.writeFileSync('out4', Buffer.concat(parts));
			s.close();
		});
	});
	break;
}
case 'srv6': {
	const s = net.createServer((c) => {
		c.end(fs.readFileSync('secret2'));
		s.close();
	});
	s.listen(0, '::1', () => publish('port', s.address().port));
	break;
}
case 'cli6':
	port('port', (p) => {
		const parts = [];
		const c = net.connect(p, '::1');
		c.on('data', (d) => parts.push(d));
		c.on('end', () => {
			fs.writeFileSync('out6', Buffer.concat(parts));
			fs.readFileSync('decoy');
		});
	});
	break;
case 'udprecv': {
	const s = dgram.createSocket('udp6');
	s.on('message', (m) => {
		fs.writeFileSync('uout', m);
		s.close();
	});
	s.bind(0, '::1', () => publish('uport', s.address().port));
	break;
}
case 'udpsend':
	port('uport', (p) => {
		const s = dgram.createSocket('udp6');
		s.send(fs.readFileSync('secret'), p, '::1', (err) => {
			done(err);
			s.close();
			fs.readFileSync('decoy');
		});
	});
	break;
case 'file': {
	// a write stream to a temporary name, renamed into place
	const w = fs.createWriteStream('final.tmp');
	w.once('close', () => {
		fs.rename('final.tmp', 'final', (err) => {
			done(err);
			fs.readFileSync('decoy');
		});
	});
	w.end(fs.readFileSync('secret'));
	break;
}
default:
	throw new Error(process.argv[2]);
}
