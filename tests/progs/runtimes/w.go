// w.go - the Go workloads of tests/scenario/workloads-runtimes.sh
package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func read(f string) []byte {
	d, err := os.ReadFile(f)
	must(err)
	return d
}

// write through a buffered writer
func write(f string, d []byte) {
	o, err := os.Create(f)
	must(err)
	w := bufio.NewWriter(o)
	_, err = w.Write(d)
	must(err)
	must(w.Flush())
	must(o.Close())
}

// the port a listener of another process got, once it is there
func port(f string) string {
	for i := 0; i < 400; i++ {
		if d, err := os.ReadFile(f); err == nil {
			return strings.TrimSpace(string(d))
		}
		time.Sleep(25 * time.Millisecond)
	}
	panic("no " + f)
}

// written aside and renamed into place, so a reader never sees half
func publish(f string, a net.Addr) {
	_, p, err := net.SplitHostPort(a.String())
	must(err)
	write(f+".tmp", []byte(p+"\n"))
	must(os.Rename(f+".tmp", f))
}

func main() {
	switch os.Args[1] {
	case "thr":
		// goroutines on their own OS threads: one reads the secret,
		// another writes it through a file the main goroutine opened
		o, err := os.Create("out")
		must(err)
		ch := make(chan []byte)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); ch <- read("secret") }()
		go func() {
			defer wg.Done()
			w := bufio.NewWriter(o)
			_, err := w.Write(<-ch)
			must(err)
			must(w.Flush())
			must(o.Close())
		}()
		wg.Wait()
		done := make(chan bool)
		go func() { write("dout", read("decoy")); done <- true }()
		<-done
	case "proc":
		// a child's output through a pipe; secret2 into a child's stdin
		d, err := exec.Command("cat", "secret").Output()
		must(err)
		write("out", d)
		c := exec.Command("sh", "-c", "cat > cout")
		in, err := c.StdinPipe()
		must(err)
		must(c.Start())
		_, err = in.Write(read("secret2"))
		must(err)
		must(in.Close())
		must(c.Wait())
		read("decoy")
	case "tcp4":
		// client and server goroutines in one process, 127.0.0.1, port 0
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		must(err)
		go func() {
			c, err := l.Accept()
			must(err)
			_, err = c.Write(read("secret"))
			must(err)
			must(c.Close())
		}()
		c, err := net.Dial("tcp4", l.Addr().String())
		must(err)
		d, err := io.ReadAll(c)
		must(err)
		write("out4", d)
	case "srv6":
		l, err := net.Listen("tcp6", "[::1]:0")
		must(err)
		publish("port", l.Addr())
		c, err := l.Accept()
		must(err)
		_, err = c.Write(read("secret2"))
		must(err)
		must(c.Close())
	case "cli6":
		c, err := net.Dial("tcp6", "[::1]:"+port("port"))
		must(err)
		d, err := io.ReadAll(c)
		must(err)
		write("out6", d)
		read("decoy")
	case "udprecv":
		s, err := net.ListenPacket("udp6", "[::1]:0")
		must(err)
		publish("uport", s.LocalAddr())
		b := make([]byte, 4096)
		n, _, err := s.ReadFrom(b)
		must(err)
		write("uout", b[:n])
	case "udpsend":
		c, err := net.Dial("udp6", "[::1]:"+port("uport"))
		must(err)
		_, err = c.Write(read("secret"))
		must(err)
		read("decoy")
	case "mapw":
		// the secret into a shared mapping of m
		d := read("secret")
		f, err := os.OpenFile("m", os.O_RDWR|os.O_CREATE, 0644)
		must(err)
		must(f.Truncate(4096))
		m, err := syscall.Mmap(int(f.Fd()), 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
		must(err)
		copy(m, d)
		must(syscall.Munmap(m))
		must(f.Close())
	case "mapr":
		// read back through a mapping, written aside, renamed into place
		f, err := os.Open("m")
		must(err)
		m, err := syscall.Mmap(int(f.Fd()), 0, 4096, syscall.PROT_READ, syscall.MAP_SHARED)
		must(err)
		d := append([]byte(nil), m[:bytes.IndexByte(m, 0)]...)
		must(syscall.Munmap(m))
		must(f.Close())
		write("final.tmp", d)
		must(os.Rename("final.tmp", "final"))
		read("decoy")
	case "uring":
		// io_uring and Linux AIO set up (their I/O is in no syscall
		// the sources trace: counted); "set" says both worked
		p := make([]byte, 120)
		_, _, e1 := syscall.Syscall(425, 4, uintptr(unsafe.Pointer(&p[0])), 0) // io_uring_setup
		var ctx uint64
		_, _, e2 := syscall.Syscall(syscall.SYS_IO_SETUP, 8, uintptr(unsafe.Pointer(&ctx)), 0)
		if e1 == 0 && e2 == 0 {
			write("set", []byte("io_uring io_setup\n"))
		}
	default:
		panic(os.Args[1] + ": " + strconv.Quote("?"))
	}
}
