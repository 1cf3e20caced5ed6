package dev.faissshard.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies over {@code fsb.api.max-request-body}: at once when {@code Content-Length}
 * says so (413 through the error page), and, for chunked bodies, as soon as the count passes the
 * limit while the body is read ({@link RequestBodyTooLargeException}, answered 413 by {@link
 * ProblemDetailsAdvice}). Tomcat's own {@code max-http-form-post-size} covers form bodies only.
 * Image uploads to {@code /search} and {@code /embed} (image, octet-stream and multipart bodies)
 * are bounded by {@code uploadLimit} instead: an image may be as large as a fetched one.
 */
class RequestBodyLimit extends OncePerRequestFilter {

    private static final Set<String> UPLOAD_PATHS = Set.of("/search", "/embed");

    private final long limit;
    private final long uploadLimit;

    RequestBodyLimit(ApiProperties properties) {
        this(properties, properties.maxRequestBody().toBytes());
    }

    RequestBodyLimit(ApiProperties properties, long uploadLimit) {
        this.limit = properties.maxRequestBody().toBytes();
        this.uploadLimit = Math.max(limit, uploadLimit);
    }

    @Override
    protected void doFilterInternal(
            HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long limit = isUpload(request) ? uploadLimit : this.limit;
        if (request.getContentLengthLong() > limit) {
            response.sendError(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE);
            return;
        }
        chain.doFilter(new Bounded(request, limit), response);
    }

    private static boolean isUpload(HttpServletRequest request) {
        String type = request.getContentType();
        if (type == null || !UPLOAD_PATHS.contains(request.getRequestURI())) {
            return false;
        }
        String lower = type.toLowerCase(Locale.ROOT);
        return lower.startsWith("image/")
                || lower.startsWith("application/octet-stream")
                || lower.startsWith("multipart/form-data");
    }

    private static final class Bounded extends HttpServletRequestWrapper {

        private final long limit;
        private ServletInputStream stream;

        Bounded(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new Counting(super.getInputStream(), limit);
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            String encoding = getCharacterEncoding();
            return new BufferedReader(
                    new InputStreamReader(
                            getInputStream(),
                            encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding)));
        }
    }

    private static final class Counting extends ServletInputStream {

        private final ServletInputStream in;
        private final long limit;
        private long count;

        Counting(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        private void counted(int n) throws RequestBodyTooLargeException {
            count += n;
            if (count > limit) {
                throw new RequestBodyTooLargeException(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
