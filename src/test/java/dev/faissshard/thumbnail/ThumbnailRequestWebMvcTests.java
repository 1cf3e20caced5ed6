package dev.faissshard.thumbnail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import dev.faissshard.api.ApiProperties;
import dev.faissshard.fetch.FetchProperties;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web slice of {@code GET /thumbnails/{id}}: hostile ids are refused with a 400 problem naming
 * the field, without quoting the id and before any thumbnail is looked up; each failure of the
 * service below is its stable problem type and status with a fixed detail; a thumbnail is served
 * with its type, caching headers and entity tag, and a matching {@code If-None-Match} is 304. The
 * service is mocked: it is the slice boundary (the end-to-end test runs the real one).
 */
@WebMvcTest(controllers = ThumbnailController.class)
@AutoConfigureMockMvc(addFilters = false)
@EnableConfigurationProperties({
    ThumbnailProperties.class,
    ApiProperties.class,
    FetchProperties.class
})
class ThumbnailRequestWebMvcTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String CANARY = "CANARY-5b7d";

    @Autowired MockMvc mvc;

    @MockitoBean ThumbnailService thumbnails;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "%20",
                CANARY + "%00",
                CANARY + "%0A",
                CANARY + "%1B%5B31m",
                CANARY + "%5C..",
                CANARY + "%7F"
            })
    void anIdNoCatalogueCouldHaveIsRefusedBeforeAnyLookup(String id) throws Exception {
        MvcResult result = mvc.perform(get(URI.create("/thumbnails/" + id))).andReturn();
        int status = result.getResponse().getStatus();
        assertThat(status).isEqualTo(400);
        Map<?, ?> problem = JSON.readValue(result.getResponse().getContentAsString(), Map.class);
        assertThat(problem.get("type"))
                .isEqualTo("https://faiss-shard-builder.dev/problems/invalid-request");
        assertThat(problem.get("errors")).asString().contains("field=id");
        assertThat(result.getResponse().getContentAsString()).doesNotContain(CANARY);
        verifyNoInteractions(thumbnails);
    }

    @Test
    void anOverlongIdIsRefusedBeforeAnyLookup() throws Exception {
        String id = "a".repeat(ThumbnailIds.MAX_LENGTH + 1);
        MvcResult result = mvc.perform(get("/thumbnails/" + id)).andReturn();
        assertThat(result.getResponse().getStatus()).isEqualTo(400);
        assertThat(result.getResponse().getContentAsString()).doesNotContain(id);
        verifyNoInteractions(thumbnails);
    }

    @Test
    void theLongestIdAndOrdinaryIdsReachTheService() throws Exception {
        for (String id : List.of("sku-1", "a".repeat(ThumbnailIds.MAX_LENGTH), "caf\u00e9 42")) {
            when(thumbnails.thumbnail(id)).thenReturn(thumbnail(new byte[] {1, 2, 3}));
            assertThat(
                            mvc.perform(get("/thumbnails/{id}", id))
                                    .andReturn()
                                    .getResponse()
                                    .getStatus())
                    .as(id)
                    .isEqualTo(200);
            verify(thumbnails).thumbnail(id);
        }
    }

    @ParameterizedTest
    @EnumSource(ThumbnailFailure.Kind.class)
    void eachFailureIsItsProblemTypeWithAFixedDetail(ThumbnailFailure.Kind kind) throws Exception {
        when(thumbnails.thumbnail(any())).thenThrow(new ThumbnailFailure(kind));
        MvcResult result =
                mvc.perform(get("/thumbnails/" + CANARY).accept(MediaType.IMAGE_JPEG)).andReturn();
        assertThat(result.getResponse().getStatus()).isEqualTo(kind.status.value());
        assertThat(result.getResponse().getContentType())
                .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        String body = result.getResponse().getContentAsString();
        Map<?, ?> problem = JSON.readValue(body, Map.class);
        assertThat(problem.get("type"))
                .isEqualTo("https://faiss-shard-builder.dev/problems/" + kind.slug);
        assertThat(problem.get("title")).isEqualTo(kind.title);
        assertThat(problem.get("detail")).isEqualTo(kind.detail);
        assertThat(body).doesNotContain(CANARY);
        assertThat(result.getResponse().getHeader("Retry-After"))
                .isEqualTo(kind == ThumbnailFailure.Kind.BUSY ? "1" : null);
    }

    @Test
    void aThumbnailIsServedWithItsTypeCachingHeadersAndEntityTag() throws Exception {
        byte[] bytes = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0x00};
        when(thumbnails.thumbnail("sku-7")).thenReturn(thumbnail(bytes));
        var response = mvc.perform(get("/thumbnails/sku-7")).andReturn().getResponse();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getContentType()).isEqualTo("image/jpeg");
        assertThat(response.getHeader("Cache-Control")).isEqualTo("max-age=3600, private");
        assertThat(response.getHeader("ETag")).isEqualTo("\"tag-1\"");
        assertThat(response.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(response.getContentAsByteArray()).isEqualTo(bytes);

        var revalidated =
                mvc.perform(get("/thumbnails/sku-7").header("If-None-Match", "\"tag-1\""))
                        .andReturn()
                        .getResponse();
        assertThat(revalidated.getStatus()).isEqualTo(304);
        assertThat(revalidated.getContentAsByteArray()).isEmpty();
        assertThat(revalidated.getHeader("ETag")).isEqualTo("\"tag-1\"");

        var changed =
                mvc.perform(get("/thumbnails/sku-7").header("If-None-Match", "\"tag-0\""))
                        .andReturn()
                        .getResponse();
        assertThat(changed.getStatus()).isEqualTo(200);
    }

    private static Thumbnail thumbnail(byte[] bytes) {
        return new Thumbnail(bytes, MediaType.IMAGE_JPEG, "\"tag-1\"", Instant.EPOCH);
    }
}
