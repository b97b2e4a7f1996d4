package io.harbormaster.testsupport;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A unix-socket relay in front of a real Docker Engine API that records the request line (method and path, no
 * query) of every HTTP request it passes on, so a test can count what our code asks of a manager.
 */
public final class RecordingDockerRelay implements AutoCloseable {
    private static final Pattern REQUEST_LINE = Pattern.compile("^(GET|HEAD|POST|PUT|PATCH|DELETE) ([^ ?]+)(\\?[^ ]*)? HTTP/1\\.[01]$");
    private static final int MAX_LINE = 16 * 1024;

    private final Path socket;
    private final Path target;
    private final ServerSocketChannel server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();

    private RecordingDockerRelay(Path socket, Path target) throws IOException {
        this.socket = socket;
        this.target = target;
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        daemon(this::accept, "docker-relay-accept").start();
    }

    /** Relays {@code socket} to the Docker API at {@code dockerHost} ({@code unix:///path}). */
    public static RecordingDockerRelay start(String dockerHost, Path socket) throws IOException {
        if (!dockerHost.startsWith("unix://")) {
            throw new IllegalArgumentException("a unix:// Docker endpoint is needed, not " + dockerHost);
        }
        return new RecordingDockerRelay(socket, Path.of(dockerHost.substring("unix://".length())));
    }

    /** The endpoint to give a Docker client: {@code unix:///...}. */
    public String dockerHost() {
        return "unix://" + socket.toAbsolutePath();
    }

    /** "METHOD /path" of each request so far, in the order they arrived. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    public void clear() {
        requests.clear();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (SocketChannel channel : open) {
            channel.close();
        }
        Files.deleteIfExists(socket);
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                SocketChannel upstream = SocketChannel.open(UnixDomainSocketAddress.of(target));
                open.add(client);
                open.add(upstream);
                daemon(() -> pump(client, upstream, true), "docker-relay-up").start();
                daemon(() -> pump(upstream, client, false), "docker-relay-down").start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(SocketChannel from, SocketChannel to, boolean record) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        RequestScanner scanner = new RequestScanner();
        try (from; to) {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                if (record) {
                    scanner.scan(buffer.duplicate());
                }
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
        } catch (IOException e) {
            // One side closed: closing both ends the exchange, as a direct connection would.
        }
    }

    /** Follows one connection's requests: request line, headers, then Content-Length bytes of body to skip. */
    private final class RequestScanner {
        private final StringBuilder line = new StringBuilder();
        private boolean firstLine = true;
        private long contentLength;
        private long bodyLeft;

        void scan(ByteBuffer bytes) {
            while (bytes.hasRemaining()) {
                if (bodyLeft > 0) {
                    int skip = (int) Math.min(bodyLeft, bytes.remaining());
                    bytes.position(bytes.position() + skip);
                    bodyLeft -= skip;
                    continue;
                }
                char c = (char) (bytes.get() & 0xff);
                if (c != '\n') {
                    if (line.length() < MAX_LINE) {
                        line.append(c);
                    }
                    continue;
                }
                String text = line.toString().stripTrailing();
                line.setLength(0);
                if (firstLine) {
                    Matcher matcher = REQUEST_LINE.matcher(text);
                    if (matcher.matches()) {
                        requests.add(matcher.group(1) + " " + matcher.group(2));
                    }
                    firstLine = false;
                    contentLength = 0;
                } else if (text.isEmpty()) {
                    bodyLeft = contentLength;
                    firstLine = true;
                } else if (text.regionMatches(true, 0, "content-length:", 0, 15)) {
                    contentLength = Long.parseLong(text.substring(15).trim());
                }
            }
        }
    }

    private static Thread daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }
}
