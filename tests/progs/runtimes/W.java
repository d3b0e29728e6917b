// W.java - the Java workloads of tests/scenario/workloads-runtimes.sh
import java.io.*;
import java.net.*;
import java.nio.*;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.concurrent.*;

public class W {
	static byte[] read(String f) throws IOException {
		return Files.readAllBytes(Paths.get(f));
	}

	static void write(String f, byte[] d) throws IOException {
		try (BufferedOutputStream o = new BufferedOutputStream(new FileOutputStream(f))) {
			o.write(d);
		}
	}

	/* the port a listener of another process got, once it is there */
	static int port(String f) throws Exception {
		for (int i = 0; i < 400 && !new File(f).exists(); i++)
			Thread.sleep(25);
		return Integer.parseInt(new String(read(f), StandardCharsets.US_ASCII).trim());
	}

	/* written aside and renamed into place, so a reader never sees half */
	static void publish(String f, int port) throws IOException {
		write(f + ".tmp", (port + "\n").getBytes(StandardCharsets.US_ASCII));
		Files.move(Paths.get(f + ".tmp"), Paths.get(f), StandardCopyOption.ATOMIC_MOVE);
	}

	static byte[] drain(InputStream in) throws IOException {
		return in.readAllBytes();
	}

	public static void main(String[] a) throws Exception {
		switch (a[0]) {
		case "thr": {
			/* a pool thread reads the secret, another writes it out
			 * through a writer opened by the main thread */
			ExecutorService pool = Executors.newFixedThreadPool(3);
			BufferedWriter w = new BufferedWriter(new FileWriter("out"));
			Future<byte[]> s = pool.submit(() -> read("secret"));
			byte[] d = s.get();
			pool.submit(() -> { w.write(new String(d, StandardCharsets.UTF_8)); w.close(); return null; }).get();
			pool.submit(() -> { write("dout", read("decoy")); return null; }).get();
			pool.shutdown();
			break;
		}
		case "proc": {
			/* a child's output through a pipe; the secret2 into a child's stdin */
			Process p = new ProcessBuilder("cat", "secret").start();
			byte[] d = drain(p.getInputStream());
			p.waitFor();
			write("out", d);
			Process q = new ProcessBuilder("sh", "-c", "cat > cout").start();
			try (OutputStream o = new BufferedOutputStream(q.getOutputStream())) {
				o.write(read("secret2"));
			}
			q.waitFor();
			read("decoy");
			break;
		}
		case "tcp4": {
			/* client and server threads in one process, 127.0.0.1, port 0 */
			ServerSocket ss = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
			Thread t = new Thread(() -> {
				try (Socket c = ss.accept()) {
					c.getOutputStream().write(read("secret"));
				} catch (IOException e) {
					throw new UncheckedIOException(e);
				}
			});
			t.start();
			try (Socket c = new Socket("127.0.0.1", ss.getLocalPort())) {
				write("out4", drain(c.getInputStream()));
			}
			t.join();
			ss.close();
			break;
		}
		case "srv6": {
			/* a listener on [::1] port 0; sends secret2 once accepted */
			ServerSocket ss = new ServerSocket(0, 1, InetAddress.getByName("::1"));
			publish("port", ss.getLocalPort());
			try (Socket c = ss.accept()) {
				c.getOutputStream().write(read("secret2"));
			}
			ss.close();
			break;
		}
		case "cli6": {
			try (Socket c = new Socket("::1", port("port"))) {
				write("out6", drain(c.getInputStream()));
			}
			read("decoy");
			break;
		}
		case "udprecv": {
			DatagramSocket s = new DatagramSocket(new InetSocketAddress("::1", 0));
			publish("uport", s.getLocalPort());
			DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
			s.receive(p);
			write("uout", java.util.Arrays.copyOf(p.getData(), p.getLength()));
			s.close();
			break;
		}
		case "udpsend": {
			byte[] d = read("secret");
			DatagramSocket s = new DatagramSocket();
			s.send(new DatagramPacket(d, d.length, InetAddress.getByName("::1"), port("uport")));
			s.close();
			read("decoy");
			break;
		}
		case "mapw": {
			/* the secret into a shared mapping of m */
			byte[] d = read("secret");
			try (FileChannel c = FileChannel.open(Paths.get("m"), StandardOpenOption.CREATE,
					StandardOpenOption.READ, StandardOpenOption.WRITE)) {
				MappedByteBuffer b = c.map(FileChannel.MapMode.READ_WRITE, 0, 4096);
				b.put(d);
				b.force();
			}
			break;
		}
		case "mapr": {
			/* read back through a mapping, written aside, renamed into place */
			byte[] d;
			try (FileChannel c = FileChannel.open(Paths.get("m"), StandardOpenOption.READ)) {
				MappedByteBuffer b = c.map(FileChannel.MapMode.READ_ONLY, 0, 4096);
				int n = 0;
				while (n < 4096 && b.get(n) != 0)
					n++;
				d = new byte[n];
				b.get(d);
			}
			write("final.tmp", d);
			Files.move(Paths.get("final.tmp"), Paths.get("final"), StandardCopyOption.ATOMIC_MOVE);
			read("decoy");
			break;
		}
		default:
			throw new IllegalArgumentException(a[0]);
		}
	}
}
