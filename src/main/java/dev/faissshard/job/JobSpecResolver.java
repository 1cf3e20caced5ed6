package dev.faissshard.job;

import dev.faissshard.catalog.Catalog;
import dev.faissshard.catalog.CatalogFactory;
import dev.faissshard.catalog.CatalogSpec;
import dev.faissshard.catalog.CatalogType;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.IndexLayout;
import java.util.EnumSet;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * What a request means once the configuration fills in what it leaves out, and the catalogue it
 * reads.
 */
@Component
class JobSpecResolver {

    private final JobProperties properties;
    private final CatalogFactory catalogs;

    JobSpecResolver(JobProperties properties, CatalogFactory catalogs) {
        this.properties = properties;
        this.catalogs = catalogs;
    }

    JobSpec resolve(JobRequest request) {
        JobOperation operation =
                request.operation() == null ? JobOperation.BUILD : request.operation();
        if (operation == JobOperation.DELETE && request.deleteIds() == null) {
            throw new InvalidOperationException("deleteIds is required for operation delete");
        }
        if (operation != JobOperation.DELETE && request.deleteIds() != null) {
            throw new InvalidOperationException("deleteIds is only allowed for operation delete");
        }
        if (operation != JobOperation.BUILD && Boolean.TRUE.equals(request.dryRun())) {
            throw new InvalidOperationException("dryRun is only allowed for operation build");
        }
        Set<IndexType> types =
                request.indexTypes() == null
                        ? EnumSet.allOf(IndexType.class)
                        : EnumSet.copyOf(request.indexTypes());
        CatalogSpec catalog =
                request.catalog() == null
                        ? catalogs.configuredSpec()
                        : new CatalogSpec(
                                request.catalog().type() == null
                                        ? CatalogType.AUTO
                                        : request.catalog().type(),
                                request.catalog().location());
        Partition partition =
                request.partition() == null ? properties.partition() : request.partition();
        IndexLayout layout =
                IndexLayout.at(
                        partition.prefixWithin(
                                request.prefix() == null ? properties.prefix() : request.prefix()));
        int batchSize = request.batchSize() == null ? properties.batchSize() : request.batchSize();
        long limit = request.limit() == null ? 0 : request.limit();
        return new JobSpec(
                types,
                catalog,
                layout,
                batchSize,
                limit,
                Boolean.TRUE.equals(request.retryFailures()),
                partition,
                request.deadline() == null ? properties.deadline() : request.deadline(),
                request.retryReasons(),
                operation,
                request.deleteIds());
    }

    /**
     * Opens the job's catalogue: the configured one as the operator configured it, or one the
     * request names, which must lie under the allowed roots.
     */
    Catalog open(JobRequest request, JobSpec spec) {
        return request.catalog() == null
                ? catalogs.openConfigured()
                : catalogs.openRequested(spec.catalog());
    }
}
