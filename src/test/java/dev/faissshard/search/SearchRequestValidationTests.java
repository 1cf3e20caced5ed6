package dev.faissshard.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.faissshard.api.ApiProperties;
import dev.faissshard.embedding.EmbeddingService;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.fetch.FetchProperties;
import dev.faissshard.fetch.ImageFetcher;
import dev.faissshard.image.ImageDecoder;
import dev.faissshard.job.JobProperties;
import dev.faissshard.shard.ShardProperties;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/**
 * The web slice of the search API: every hostile field is refused with a 400 problem naming the
 * field and never quoting the value, before any search runs; the search failures map to their
 * stable problem types and statuses. The service below the controllers is mocked: this is the slice
 * boundary.
 */
@WebMvcTest(
        controllers = {SearchController.class, EmbedController.class, IndexCatalogController.class},
        properties = "fsb.fetch.max-bytes=1KB")
@AutoConfigureMockMvc(addFilters = false)
@Import({QueryImages.class, UploadedImages.class})
@EnableConfigurationProperties({
    FetchProperties.class,
    SearchProperties.class,
    JobProperties.class,
    ShardProperties.class,
    ApiProperties.class
})
class SearchRequestValidationTests {

    private static final String CANARY = "CANARY-3e1f";

    @Autowired MockMvc mvc;

    @MockitoBean SearchService search;

    @MockitoBean StoredIndexReader reader;

    @MockitoBean SearchExecutor executor;

    @MockitoBean EmbeddingService embeddings;

    @MockitoBean ImageDecoder decoder;

    @MockitoBean ImageFetcher fetcher;

    @Autowired QueryImages images;

    @BeforeEach
    void models() {
        when(embeddings.model(any())).thenReturn(new ModelInfo("m", "0".repeat(64), 4));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{}",
                "{\"k\":5}",
                "{\"query\":{}}",
                "{\"query\":{\"id\":\"a\",\"url\":\"https://x.example/a.jpg\"}}"
            })
    void aRequestWithoutExactlyOneQuerySourceIsRefused(String body) throws Exception {
        assertInvalid(json(body), "query");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 1001, Integer.MAX_VALUE})
    void kOutsideItsBoundsIsRefused(int k) throws Exception {
        assertInvalid(json("{\"query\":{\"id\":\"a\"},\"k\":" + k + "}"), "k");
    }

    @Test
    void anUnknownTypeIsRefusedWithoutQuotingIt() throws Exception {
        assertInvalid(json("{\"query\":{\"id\":\"a\"},\"types\":[\"" + CANARY + "\"]}"), "types");
        assertInvalid(json("{\"query\":{\"id\":\"a\"},\"types\":[]}"), "types");
        assertInvalid(
                json(
                        "{\"query\":{\"id\":\"a\"},\"types\":[\"color\",\"color\",\"color\",\"color\"]}"),
                "types");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "../" + CANARY,
                CANARY + "/faiss",
                "a//b",
                "part-0-of-2",
                "/" + CANARY + "/progress.json"
            })
    void anIndexPrefixBreakingThePrefixRulesIsRefused(String prefix) throws Exception {
        assertInvalid(json("{\"query\":{\"id\":\"a\"},\"index\":\"" + prefix + "\"}"), "index");
    }

    @Test
    void aVectorOfNonFiniteOrMissingNumbersIsRefused() throws Exception {
        assertInvalid(
                json("{\"query\":{\"vector\":{\"color\":[1e39,0,0,0]}}}"), "query.vector.color");
        assertInvalid(json("{\"query\":{\"vector\":{\"color\":[]}}}"), "query.vector.color");
        assertInvalid(json("{\"query\":{\"vector\":{}}}"), "query.vector");
        assertInvalid(
                json("{\"query\":{\"vector\":{\"" + CANARY + "\":[1,0,0,0]}}}"), "query.vector");
        assertInvalid(
                json("{\"query\":{\"vector\":{\"color\":[1,0,0,0]}},\"types\":[\"combined\"]}"),
                "query.vector");
    }

    @Test
    void anOverlongIdOrUrlIsRefused() throws Exception {
        assertInvalid(json("{\"query\":{\"id\":\"" + "x".repeat(1025) + "\"}}"), "query.id");
        assertInvalid(json("{\"query\":{\"id\":\"\"}}"), "query.id");
        assertInvalid(
                json("{\"query\":{\"url\":\"https://x.example/" + "a".repeat(4100) + "\"}}"),
                "query.url");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "file:///etc/passwd",
                "ftp://x.example/a.jpg",
                "jar:file:/a!/b",
                "https:relative"
            })
    void aUrlThatIsNotAbsoluteHttpIsRefused(String url) throws Exception {
        MvcResult result = json("{\"query\":{\"url\":\"" + url + "\"}}");
        assertProblem(result, 400, "image-url-refused");
        assertThat(result.getResponse().getContentAsString()).doesNotContain(url);
        verifyNoInteractions(fetcher);
    }

    @Test
    void fieldsAreReadStrictly() throws Exception {
        // As for job requests, an unknown field is named (it is the caller's typo), its value
        // never.
        assertProblem(
                json("{\"query\":{\"id\":\"a\"},\"bogus\":\"" + CANARY + "\"}"),
                400,
                "invalid-request");
        assertProblem(json("{\"query\":{\"id\":\"a\"},\"k\":\"5\"}"), 400, "invalid-request");
        assertProblem(
                json("{\"query\":{\"vector\":{\"color\":[\"1\",0,0,0]}}}"), 400, "invalid-request");
        assertProblem(json("{\"query\":{\"id\":\"a\"},\"excludeSelf\":1}"), 400, "invalid-request");
        verifyNoInteractions(search);
    }

    @Test
    void rawImageOptionsAreValidatedLikeJsonOnes() throws Exception {
        byte[] image = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
        assertInvalid(
                mvc.perform(
                                post("/search?types=" + CANARY)
                                        .contentType(MediaType.IMAGE_JPEG)
                                        .content(image))
                        .andReturn(),
                "types");
        assertInvalid(
                mvc.perform(post("/search?k=0").contentType(MediaType.IMAGE_JPEG).content(image))
                        .andReturn(),
                "k");
        assertInvalid(
                mvc.perform(
                                post("/search?index=../x")
                                        .contentType(MediaType.IMAGE_JPEG)
                                        .content(image))
                        .andReturn(),
                "index");
    }

    @Test
    void anUploadedImageLargerThanTheFetchLimitIs413() throws Exception {
        byte[] large = new byte[(int) images.maxBytes() + 1];
        assertProblem(
                mvc.perform(post("/search").contentType(MediaType.IMAGE_JPEG).content(large))
                        .andReturn(),
                413,
                "image-too-large");
        assertProblem(
                mvc.perform(
                                multipart("/search")
                                        .file(
                                                new MockMultipartFile(
                                                        "image", "q.jpg", "image/jpeg", large)))
                        .andReturn(),
                413,
                "image-too-large");
        assertProblem(
                mvc.perform(post("/embed").contentType(MediaType.IMAGE_JPEG).content(large))
                        .andReturn(),
                413,
                "image-too-large");
        verifyNoInteractions(search, decoder);
    }

    @Test
    void aMultipartRequestPartIsReadStrictlyAndMayNotCarryAQuery() throws Exception {
        MockMultipartFile image =
                new MockMultipartFile("image", "q.jpg", "image/jpeg", new byte[] {1, 2, 3});
        assertProblem(
                mvc.perform(
                                multipart("/search")
                                        .file(image)
                                        .file(
                                                new MockMultipartFile(
                                                        "request",
                                                        "",
                                                        "application/json",
                                                        ("{\"bogus\":\"" + CANARY + "\"}")
                                                                .getBytes())))
                        .andReturn(),
                400,
                "invalid-request");
        assertInvalid(
                mvc.perform(
                                multipart("/search")
                                        .file(image)
                                        .file(
                                                new MockMultipartFile(
                                                        "request",
                                                        "",
                                                        "application/json",
                                                        "{\"query\":{\"id\":\"a\"}}".getBytes())))
                        .andReturn(),
                "query");
    }

    @Test
    void embedByJsonNeedsAUrl() throws Exception {
        assertInvalid(
                mvc.perform(post("/embed").contentType(MediaType.APPLICATION_JSON).content("{}"))
                        .andReturn(),
                "url");
        assertInvalid(
                mvc.perform(
                                post("/embed?types=x")
                                        .contentType(MediaType.APPLICATION_JSON)
                                        .content("{\"url\":\"https://x.example/a.jpg\"}"))
                        .andReturn(),
                "types");
        assertProblem(
                mvc.perform(
                                post("/embed")
                                        .contentType(MediaType.APPLICATION_JSON)
                                        .content("{\"url\":\"file:///etc/passwd\"}"))
                        .andReturn(),
                400,
                "image-url-refused");
    }

    @Test
    void searchFailuresMapToStableProblemTypes() throws Exception {
        Map<SearchFailure, Integer> failures =
                Map.of(
                        new IndexNotFoundException("x"),
                        404,
                        new IdNotIndexedException("x"),
                        404,
                        new IndexTooLargeException("x"),
                        507,
                        new SearchBusyException("x"),
                        503,
                        new SearchTimeoutException("x"),
                        503,
                        new ShardIntegrityException("x"),
                        503,
                        new IndexModelMismatchException("x"),
                        409,
                        new QueryImageUndecodableException("x"),
                        422);
        for (Map.Entry<SearchFailure, Integer> failure : failures.entrySet()) {
            doThrow(failure.getKey()).when(search).search(any());
            MvcResult result = json("{\"query\":{\"id\":\"a\"}}");
            assertProblem(result, failure.getValue(), failure.getKey().type());
            if (failure.getKey() instanceof SearchBusyException) {
                assertThat(result.getResponse().getHeader("Retry-After")).isEqualTo("1");
            }
        }
    }

    @Test
    void anIndexCatalogueLookupValidatesItsPrefix() throws Exception {
        assertInvalid(mvc.perform(get("/indexes/shop/faiss")).andReturn(), "index");
        assertProblem(mvc.perform(get("/indexes/shop")).andReturn(), 404, "search-index-not-found");
    }

    private MvcResult json(String body) throws Exception {
        return mvc.perform(post("/search").contentType(MediaType.APPLICATION_JSON).content(body))
                .andReturn();
    }

    private void assertInvalid(MvcResult result, String field) throws Exception {
        assertProblem(result, 400, "invalid-request");
        assertThat(result.getResponse().getContentAsString())
                .contains("\"field\":\"" + field + "\"");
        verifyNoInteractions(search);
    }

    private static void assertProblem(MvcResult result, int status, String type) throws Exception {
        String body = result.getResponse().getContentAsString();
        assertThat(result.getResponse().getStatus()).as(body).isEqualTo(status);
        assertThat(result.getResponse().getContentType()).startsWith("application/problem+json");
        assertThat(body)
                .contains("\"type\":\"https://faiss-shard-builder.dev/problems/" + type + "\"")
                .doesNotContain(CANARY);
    }
}
