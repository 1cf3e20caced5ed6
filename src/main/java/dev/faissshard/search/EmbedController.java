package dev.faissshard.search;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.shard.ShardProperties;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * {@code POST /embed}: an image's vectors for each index type, with the model that made them, so a
 * caller can query its own FAISS copies with exactly the service's models.
 */
@RestController
class EmbedController {

    private final QueryImages images;
    private final UploadedImages uploads;
    private final SearchExecutor executor;
    private final String metric;

    EmbedController(
            QueryImages images,
            UploadedImages uploads,
            SearchExecutor executor,
            ShardProperties shards) {
        this.images = images;
        this.uploads = uploads;
        this.executor = executor;
        this.metric = shards.metric().name();
    }

    /** The JSON body: an image URL. */
    record EmbedRequest(String url) {}

    /** One type's vector. */
    record Embedding(
            String modelId, String modelSha256, int dimension, String metric, float[] vector) {}

    record EmbedResponse(Map<String, Embedding> vectors) {}

    @PostMapping(
            path = "/embed",
            consumes = {"image/*", MediaType.APPLICATION_OCTET_STREAM_VALUE})
    EmbedResponse raw(@RequestBody byte[] image, @RequestParam(required = false) String types) {
        return embed(uploads.checked(image), types);
    }

    @PostMapping(path = "/embed", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    EmbedResponse multipart(
            @RequestPart("image") MultipartFile image,
            @RequestParam(required = false) String types) {
        return embed(uploads.bytes(image), types);
    }

    @PostMapping(path = "/embed", consumes = MediaType.APPLICATION_JSON_VALUE)
    EmbedResponse url(
            @RequestBody EmbedRequest request, @RequestParam(required = false) String types) {
        if (request == null || request.url() == null) {
            throw new InvalidSearchRequestException("url", "is required");
        }
        List<IndexType> wanted = parse(types);
        return embed(images.fetch(QueryImages.url(request.url())), wanted);
    }

    private EmbedResponse embed(byte[] image, String types) {
        return embed(image, parse(types));
    }

    private EmbedResponse embed(byte[] image, List<IndexType> types) {
        Map<IndexType, float[]> vectors =
                executor.run(() -> images.embed(image, EnumSet.copyOf(types)));
        Map<String, Embedding> out = new LinkedHashMap<>();
        for (IndexType type : types) {
            ModelInfo model = images.model(type);
            out.put(
                    type.key(),
                    new Embedding(
                            model.id(),
                            model.sha256(),
                            model.dimension(),
                            metric,
                            vectors.get(type)));
        }
        return new EmbedResponse(out);
    }

    private static List<IndexType> parse(String types) {
        return types == null
                ? List.of(IndexType.values())
                : SearchCommand.types(SearchCommand.splitTypes(types));
    }
}
