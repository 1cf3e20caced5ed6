package dev.faissshard.search;

import dev.faissshard.job.JobProperties;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * {@code POST /search}: by JSON ({@code query.id}, {@code query.url} or {@code query.vector}), by
 * multipart (part {@code image}, optional JSON part {@code request}) or by a raw image body with
 * the options as query parameters.
 */
@RestController
class SearchController {

    private final SearchService search;
    private final UploadedImages uploads;
    private final SearchProperties properties;
    private final JobProperties jobs;

    SearchController(
            SearchService search,
            UploadedImages uploads,
            SearchProperties properties,
            JobProperties jobs) {
        this.search = search;
        this.uploads = uploads;
        this.properties = properties;
        this.jobs = jobs;
    }

    @PostMapping(path = "/search", consumes = MediaType.APPLICATION_JSON_VALUE)
    SearchResponse byJson(@RequestBody SearchRequest request) {
        return search.search(SearchCommand.of(request, null, jobs.prefix(), properties.maxK()));
    }

    @PostMapping(path = "/search", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    SearchResponse byMultipart(
            @RequestPart("image") MultipartFile image,
            @RequestPart(name = "request", required = false) String request)
            throws HttpMessageNotReadableException {
        SearchRequest parsed = request == null ? null : uploads.json(request, SearchRequest.class);
        return search.search(
                SearchCommand.of(parsed, uploads.bytes(image), jobs.prefix(), properties.maxK()));
    }

    @PostMapping(
            path = "/search",
            consumes = {"image/*", MediaType.APPLICATION_OCTET_STREAM_VALUE})
    SearchResponse byImage(
            @RequestBody byte[] image,
            @RequestParam(required = false) String types,
            @RequestParam(required = false) Integer k,
            @RequestParam(required = false) String index) {
        return search.search(
                SearchCommand.ofImage(
                        uploads.checked(image), index, types, k, jobs.prefix(), properties.maxK()));
    }
}
