// w.rs - the Rust workloads of tests/scenario/workloads-runtimes.sh (std only)
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn read(f: &str) -> Vec<u8> {
    fs::read(f).expect(f)
}

// write through a buffered writer
fn write(f: &str, d: &[u8]) {
    let mut w = BufWriter::new(File::create(f).expect(f));
    w.write_all(d).unwrap();
    w.flush().unwrap();
}

// the port a listener of another process got, once it is there
fn port(f: &str) -> u16 {
    for _ in 0..400 {
        if let Ok(s) = fs::read_to_string(f) {
            return s.trim().parse().unwrap();
        }
        thread::sleep(Duration::from_millis(25));
    }
    panic!("no {}", f);
}

// written aside and renamed into place, so a reader never sees half
fn publish(f: &str, p: u16) {
    let t = format!("{}.tmp", f);
    write(&t, format!("{}\n", p).as_bytes());
    fs::rename(&t, f).unwrap();
}

extern "C" {
    fn syscall(n: i64, ...) -> i64;
    fn mmap(a: *mut u8, n: usize, prot: i32, flags: i32, fd: i32, off: i64) -> *mut u8;
    fn munmap(a: *mut u8, n: usize) -> i32;
}

fn map(f: &File, write: bool) -> &'static mut [u8] {
    use std::os::unix::io::AsRawFd;
    let prot = if write { 3 } else { 1 }; // PROT_READ | PROT_WRITE
    let p = unsafe { mmap(std::ptr::null_mut(), 4096, prot, 1, f.as_raw_fd(), 0) }; // MAP_SHARED
    assert!(p as isize != -1, "mmap");
    unsafe { std::slice::from_raw_parts_mut(p, 4096) }
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    match a[1].as_str() {
        "thr" => {
            // a thread reads the secret, another writes it through a
            // writer the main thread opened
            let mut w = BufWriter::new(File::create("out").unwrap());
            let (tx, rx) = mpsc::channel();
            let r = thread::spawn(move || tx.send(read("secret")).unwrap());
            let t = thread::spawn(move || {
                w.write_all(&rx.recv().unwrap()).unwrap();
                w.flush().unwrap();
            });
            r.join().unwrap();
            t.join().unwrap();
            thread::spawn(|| write("dout", &read("decoy"))).join().unwrap();
        }
        "proc" => {
            // a child's output through a pipe; secret2 into a child's stdin
            let o = Command::new("cat").arg("secret").output().unwrap();
            write("out", &o.stdout);
            let mut c = Command::new("sh").args(["-c", "cat > cout"]).stdin(Stdio::piped()).spawn().unwrap();
            c.stdin.take().unwrap().write_all(&read("secret2")).unwrap();
            assert!(c.wait().unwrap().success());
            read("decoy");
        }
        "tcp4" => {
            // client and server threads in one process, 127.0.0.1, port 0
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            let p = l.local_addr().unwrap().port();
            let t = thread::spawn(move || {
                let (mut c, _) = l.accept().unwrap();
                c.write_all(&read("secret")).unwrap();
            });
            let mut c = TcpStream::connect(("127.0.0.1", p)).unwrap();
            let mut d = Vec::new();
            c.read_to_end(&mut d).unwrap();
            write("out4", &d);
            t.join().unwrap();
        }
        "srv6" => {
            let l = TcpListener::bind("[::1]:0").unwrap();
            publish("port", l.local_addr().unwrap().port());
            let (mut c, _) = l.accept().unwrap();
            c.write_all(&read("secret2")).unwrap();
        }
        "cli6" => {
            let mut c = TcpStream::connect(("::1", port("port"))).unwrap();
            let mut d = Vec::new();
            c.read_to_end(&mut d).unwrap();
            write("out6", &d);
            read("decoy");
        }
        "udprecv" => {
            let s = UdpSocket::bind("[::1]:0").unwrap();
            publish("uport", s.local_addr().unwrap().port());
            let mut b = [0u8; 4096];
            let (n, _) = s.recv_from(&mut b).unwrap();
            write("uout", &b[..n]);
        }
        "udpsend" => {
            let s = UdpSocket::bind("[::1]:0").unwrap();
            s.send_to(&read("secret"), ("::1", port("uport"))).unwrap();
            read("decoy");
        }
        "mapw" => {
            // the secret into a shared mapping of m
            let d = read("secret");
            let f = fs::OpenOptions::new().read(true).write(true).create(true).open("m").unwrap();
            f.set_len(4096).unwrap();
            let m = map(&f, true);
            m[..d.len()].copy_from_slice(&d);
            unsafe { munmap(m.as_mut_ptr(), 4096) };
        }
        "mapr" => {
            // read back through a mapping, written aside, renamed into place
            let f = File::open("m").unwrap();
            let m = map(&f, false);
            let n = m.iter().position(|&b| b == 0).unwrap_or(4096);
            let d = m[..n].to_vec();
            unsafe { munmap(m.as_mut_ptr(), 4096) };
            write("final.tmp", &d);
            fs::rename("final.tmp", "final").unwrap();
            read("decoy");
        }
        "uring" => {
            // io_uring and Linux AIO set up (their I/O is in no syscall
            // the sources trace: counted); "set" says both worked
            let mut p = [0u8; 120];
            let mut ctx: u64 = 0;
            let a = unsafe { syscall(425, 4i64, p.as_mut_ptr()) }; // io_uring_setup
            let b = unsafe { syscall(206, 8i64, &mut ctx as *mut u64) }; // io_setup
            if a >= 0 && b == 0 {
                write("set", b"io_uring io_setup\n");
            }
        }
        w => panic!("{}", w),
    }
}
