package dev.faissshard.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.faissshard.catalog.CatalogFormatException;
import dev.faissshard.catalog.CatalogLocationRefusedException;
import dev.faissshard.catalog.CatalogNotFoundException;
import dev.faissshard.catalog.CatalogUnavailableException;
import dev.faissshard.fetch.FetchProperties;
import dev.faissshard.index.CorruptProgressException;
import dev.faissshard.index.IndexIncompatibleException;
import dev.faissshard.index.IndexLocationBusyException;
import dev.faissshard.job.JobCapacityException;
import dev.faissshard.job.JobLauncher;
import dev.faissshard.job.JobNotFoundException;
import dev.faissshard.job.JobRegistry;
import dev.faissshard.job.JobRequest;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobState;
import dev.faissshard.job.JobStateConflictException;
import dev.faissshard.job.ServiceStoppingException;
import dev.faissshard.lease.IndexLeaseHeldException;
import dev.faissshard.lease.LeaseRecord;
import dev.faissshard.security.ApiSecurityProperties;
import dev.faissshard.storage.StorageUnavailableException;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import java.lang.reflect.Constructor;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * Every problem type the API answers with, one test each, in a web slice: the job controller, the
 * error page, the advice and the real security filter chain, with the job services mocked at the
 * slice boundary. Each request carries a marker in its query, headers and (where it has one) body,
 * and no answer may contain it: a problem names fields and states, never what the caller sent.
 */
class ProblemTypesWebMvcTests {

    static final String WRITE_TOKEN = "w7Kq2ZxP9vLm4Tn8Rb3Yc6Hd1Fg5Js0A";
    static final String READ_TOKEN = "r4Nh8Qe2Wu6Io1Pa9Sd3Fg7Jk5Lz0Xc";
    static final String MARKER = "echo-marker-5f1c";
    static final String BODY = "{\"prefix\":\"" + MARKER + "\"}";
    static final String JOB_ID = "6f0c9a1e-2b47-4d0e-9a59-0d7c1e3b8a21";

    /**
     * The security configuration is package-private in its own package: found by name, as the app
     * finds it.
     */
    @TestConfiguration(proxyBeanMethods = false)
    @EnableConfigurationProperties({
        ApiProperties.class,
        ApiSecurityProperties.class,
        WebEndpointProperties.class,
        FetchProperties.class
    })
    @ComponentScan(
            basePackages = "dev.faissshard.security",
            useDefaultFilters = false,
            includeFilters =
                    @ComponentScan.Filter(
                            type = FilterType.REGEX,
                            pattern = "dev\\.faissshard\\.security\\.ApiSecurityConfiguration"))
    static class Slice {}

    @Nested
    @WebMvcTest(
            controllers = {JobController.class, ProblemErrorController.class},
            properties = "fsb.security.api-tokens=write:" + WRITE_TOKEN + ",read:" + READ_TOKEN)
    @org.springframework.context.annotation.Import(Slice.class)
    class WithTokens {

        @Autowired MockMvc mvc;

        @MockitoBean JobService jobs;

        @MockitoBean JobRegistry registry;

        @MockitoBean JobLauncher launcher;

        @Test
        void jobNotFound() throws Exception {
            given(jobs.describe(anyString())).willThrow(create(JobNotFoundException.class, JOB_ID));
            MvcResult result = expect(write(get("/jobs/" + JOB_ID)), 404, "job-not-found");
            assertThat(body(result)).contains("No job");
        }

        @Test
        void jobStateConflict() throws Exception {
            given(launcher.pause(anyString()))
                    .willThrow(
                            create(
                                    JobStateConflictException.class,
                                    JOB_ID,
                                    "pause",
                                    JobState.SUCCEEDED));
            MvcResult result =
                    expect(write(post("/jobs/" + JOB_ID + "/pause")), 409, "job-state-conflict");
            assertThat(body(result)).contains("\"state\":\"SUCCEEDED\"");
        }

        @Test
        void indexLocationBusy() throws Exception {
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(
                            create(
                                    IndexLocationBusyException.class,
                                    "local:/data prefix team/",
                                    JOB_ID));
            MvcResult result = expect(submit(), 409, "index-location-busy");
            assertThat(body(result)).contains("\"runningJobId\":\"" + JOB_ID + "\"");
        }

        @Test
        void indexLeaseHeld() throws Exception {
            LeaseRecord holder =
                    new LeaseRecord(
                            1,
                            3,
                            "owner-b",
                            "host-b",
                            null,
                            0,
                            "job-b",
                            Instant.parse("2026-12-01T10:00:00Z"),
                            Instant.parse("2026-12-01T10:00:30Z"),
                            false);
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(
                            create(
                                    IndexLeaseHeldException.class,
                                    "local:/data prefix team/",
                                    holder));
            MvcResult result = expect(submit(), 409, "index-lease-held");
            assertThat(body(result))
                    .contains(
                            "\"owner\":\"owner-b\"",
                            "\"host\":\"host-b\"",
                            "\"ownerJobId\":\"job-b\"",
                            "\"leaseExpiresAt\":\"2026-12-01T10:00:30Z\"");
        }

        @Test
        void indexIncompatible() throws Exception {
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(
                            create(
                                    IndexIncompatibleException.class,
                                    "local:/data",
                                    List.of(
                                            "color: model builtin-color-v1 in storage, builtin-color-v2 configured")));
            MvcResult result = expect(submit(), 409, "index-incompatible");
            assertThat(body(result)).contains("\"differences\":[\"color: model builtin-color-v1");
        }

        @Test
        void progressUnreadable() throws Exception {
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(
                            new CorruptProgressException(
                                    "progress.json has formatVersion 9, this service reads 1"));
            expect(submit(), 409, "progress-unreadable");
        }

        @Test
        void jobCapacity() throws Exception {
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(
                            create(
                                    JobCapacityException.class,
                                    "Too many jobs are running or queued; try again later"));
            expect(submit(), 503, "job-capacity");
        }

        @Test
        void storageUnavailable() throws Exception {
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(
                            new StorageUnavailableException("Supabase Storage answered HTTP 503"));
            expect(submit(), 503, "storage-unavailable");
        }

        @Test
        void catalogUnusable() throws Exception {
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(new CatalogNotFoundException("catalogue not found"));
            MvcResult missing = expect(submit(), 400, "catalog-unusable");
            assertThat(body(missing)).contains("\"field\":\"catalog.location\"");
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(new CatalogFormatException("products.csv line 2: no id column"));
            expect(submit(), 400, "catalog-unusable");
        }

        @Test
        void catalogLocationRefused() throws Exception {
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(create(CatalogLocationRefusedException.class));
            MvcResult result = expect(submit(), 400, "catalog-location-refused");
            assertThat(body(result)).contains("\"field\":\"catalog.location\"");
        }

        @Test
        void serviceStopping() throws Exception {
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(create(ServiceStoppingException.class));
            expect(submit(), 503, "service-stopping");
        }

        @Test
        void catalogUnavailable() throws Exception {
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(
                            new CatalogUnavailableException(
                                    "PostgREST answered HTTP 503",
                                    new IllegalStateException(MARKER)));
            expect(submit(), 503, "catalog-unavailable");
        }

        @Test
        void invalidRequest() throws Exception {
            // Bean validation, a value of the wrong JSON type, a body that is no JSON: each names
            // the field only.
            MvcResult invalid =
                    expect(
                            write(post("/jobs"))
                                    .contentType(MediaType.APPLICATION_JSON)
                                    .content("{\"batchSize\":0,\"prefix\":\"" + MARKER + "\"}"),
                            400,
                            "invalid-request");
            assertThat(body(invalid)).contains("\"field\":\"batchSize\"");
            MvcResult wrongType =
                    expect(
                            write(post("/jobs"))
                                    .contentType(MediaType.APPLICATION_JSON)
                                    .content("{\"batchSize\":\"" + MARKER + "\"}"),
                            400,
                            "invalid-request");
            assertThat(body(wrongType)).contains("\"field\":\"batchSize\"");
            expect(
                    write(post("/jobs"))
                            .contentType(MediaType.APPLICATION_JSON)
                            .content("{" + MARKER),
                    400,
                    "invalid-request");
        }

        @Test
        void invalidRequestFromAnArgumentTheServiceRefuses() throws Exception {
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(
                            new IllegalArgumentException(
                                    "partition.index must be below partition.count"));
            expect(submit(), 400, "invalid-request");
        }

        @Test
        void payloadTooLarge() throws Exception {
            // The filter refuses a declared oversized body before anything reads it, and the
            // container then
            // dispatches its error page, which answers the problem. (A chunked body that grows past
            // the limit
            // is answered by the advice; HostileRequestTests sends one over a real connection.)
            byte[] large =
                    ("{\"prefix\":\"" + MARKER + "\",\"x\":\"" + "y".repeat(70 * 1024) + "\"}")
                            .getBytes();
            mvc.perform(write(post("/jobs")).contentType(MediaType.APPLICATION_JSON).content(large))
                    .andExpect(status().is(413));
            verifyNoInteractions(jobs);
            expect(errorPage(413), 413, "payload-too-large");
        }

        @Test
        void internalError() throws Exception {
            given(jobs.submit(any(JobRequest.class)))
                    .willThrow(new NullPointerException("token " + MARKER));
            MvcResult result = expect(submit(), 500, "internal-error");
            assertThat(body(result)).contains("\"errorId\":");
        }

        @Test
        void internalErrorOutsideSpringMvcThroughTheErrorPage() throws Exception {
            MvcResult result =
                    expect(
                            errorPage(500)
                                    .requestAttr(
                                            RequestDispatcher.ERROR_EXCEPTION,
                                            new IllegalStateException(MARKER)),
                            500,
                            "internal-error");
            assertThat(body(result)).contains("\"errorId\":");
        }

        @Test
        void notFound() throws Exception {
            expect(read(get("/no-such-path")), 404, "not-found");
        }

        @Test
        void methodNotAllowed() throws Exception {
            expect(write(delete("/jobs")), 405, "method-not-allowed");
        }

        @Test
        void notAcceptable() throws Exception {
            given(jobs.views()).willReturn(List.of());
            expect(read(get("/jobs")).accept(MediaType.TEXT_PLAIN), 406, "not-acceptable");
        }

        @Test
        void unsupportedMediaType() throws Exception {
            expect(
                    write(post("/jobs")).contentType(MediaType.TEXT_PLAIN).content(BODY),
                    415,
                    "unsupported-media-type");
        }

        @Test
        void forbiddenThroughTheErrorPage() throws Exception {
            expect(errorPage(403), 403, "forbidden");
        }

        @Test
        void serviceUnavailableThroughTheErrorPage() throws Exception {
            expect(errorPage(503), 503, "service-unavailable");
        }

        @Test
        void clientErrorOfAnotherStatusThroughTheErrorPage() throws Exception {
            expect(errorPage(431), 431, "client-error");
        }

        @Test
        void serverErrorOfAnotherStatusThroughTheErrorPage() throws Exception {
            expect(errorPage(502), 502, "server-error");
        }

        @Test
        void authenticationRequired() throws Exception {
            expect(marked(get("/jobs")), 401, "authentication-required");
        }

        @Test
        void invalidToken() throws Exception {
            MvcResult result =
                    expect(
                            marked(get("/jobs"))
                                    .header(
                                            HttpHeaders.AUTHORIZATION,
                                            "Bearer " + MARKER + "-x1y2z3w4"),
                            401,
                            "invalid-token");
            assertThat(result.getResponse().getHeader(HttpHeaders.WWW_AUTHENTICATE))
                    .contains("invalid_token");
        }

        @Test
        void insufficientRole() throws Exception {
            expect(
                    read(post("/jobs")).contentType(MediaType.APPLICATION_JSON).content(BODY),
                    403,
                    "insufficient-role");
        }

        @Test
        void authenticationRequiredThroughTheErrorPage() throws Exception {
            expect(errorPage(401), 401, "authentication-required");
        }

        private MockHttpServletRequestBuilder submit() {
            return write(post("/jobs")).contentType(MediaType.APPLICATION_JSON).content(BODY);
        }

        private MockHttpServletRequestBuilder errorPage(int status) {
            // As the container dispatches its error page: an ERROR dispatch with the original
            // request's attributes.
            return marked(get("/error"))
                    .requestAttr(RequestDispatcher.ERROR_STATUS_CODE, status)
                    .requestAttr(RequestDispatcher.ERROR_REQUEST_URI, "/jobs")
                    .with(
                            request -> {
                                request.setDispatcherType(DispatcherType.ERROR);
                                return request;
                            });
        }

        private MvcResult expect(MockHttpServletRequestBuilder request, int status, String type)
                throws Exception {
            return ProblemTypesWebMvcTests.expect(mvc, request, status, type);
        }
    }

    @Nested
    @WebMvcTest(controllers = {JobController.class, ProblemErrorController.class})
    @org.springframework.context.annotation.Import(Slice.class)
    class WithoutTokens {

        @Autowired MockMvc mvc;

        @MockitoBean JobService jobs;

        @MockitoBean JobRegistry registry;

        @MockitoBean JobLauncher launcher;

        @Test
        void nonLocalRequest() throws Exception {
            expect(
                    mvc,
                    marked(get("/jobs"))
                            .header(HttpHeaders.ORIGIN, "https://" + MARKER + ".example"),
                    403,
                    "non-local-request");
            expect(
                    mvc,
                    marked(get("/jobs"))
                            .with(
                                    request -> {
                                        request.setServerName(MARKER + ".example");
                                        return request;
                                    }),
                    403,
                    "non-local-request");
        }
    }

    static MvcResult expect(
            MockMvc mvc, MockHttpServletRequestBuilder request, int status, String type)
            throws Exception {
        MvcResult result =
                mvc.perform(request)
                        .andExpect(status().is(status))
                        .andExpect(
                                header().string(
                                                HttpHeaders.CONTENT_TYPE,
                                                org.hamcrest.Matchers.startsWith(
                                                        "application/problem+json")))
                        .andExpect(jsonPath("$.type").value(ProblemTypes.BASE + type))
                        .andExpect(jsonPath("$.status").value(status))
                        .andExpect(jsonPath("$.title").isNotEmpty())
                        .andExpect(
                                content()
                                        .string(
                                                org.hamcrest.Matchers.not(
                                                        org.hamcrest.Matchers.containsString(
                                                                MARKER))))
                        .andReturn();
        assertThat(body(result)).doesNotContain(WRITE_TOKEN, READ_TOKEN);
        return result;
    }

    static String body(MvcResult result) throws Exception {
        return result.getResponse().getContentAsString();
    }

    /**
     * Query and headers carry the marker (the path does not: a problem's {@code instance} is the
     * path, by design).
     */
    static MockHttpServletRequestBuilder marked(MockHttpServletRequestBuilder request) {
        return request.queryParam("note", MARKER)
                .header("X-Request-Note", MARKER)
                .header(HttpHeaders.USER_AGENT, MARKER);
    }

    static MockHttpServletRequestBuilder read(MockHttpServletRequestBuilder request) {
        return marked(request).header(HttpHeaders.AUTHORIZATION, "Bearer " + READ_TOKEN);
    }

    static MockHttpServletRequestBuilder write(MockHttpServletRequestBuilder request) {
        return marked(request).header(HttpHeaders.AUTHORIZATION, "Bearer " + WRITE_TOKEN);
    }

    /**
     * The typed exceptions keep their constructors to their own packages; the test builds them as
     * those do.
     */
    static <T extends Throwable> T create(Class<T> type, Object... arguments) {
        for (Constructor<?> constructor : type.getDeclaredConstructors()) {
            if (constructor.getParameterCount() == arguments.length) {
                try {
                    constructor.setAccessible(true);
                    return type.cast(constructor.newInstance(arguments));
                } catch (ReflectiveOperationException | IllegalArgumentException ex) {
                    // another constructor with as many parameters
                }
            }
        }
        throw new IllegalArgumentException(
                "no constructor of " + type.getName() + " takes " + Arrays.toString(arguments));
    }
}
