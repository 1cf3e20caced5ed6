package dev.faissshard.catalog;

import dev.faissshard.supabase.SupabaseRestApi;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Opens catalogues that live in a database table: through PostgREST, or straight from PostgreSQL.
 */
@Component
class TableCatalogs {

    private final SupabaseCatalogProperties supabase;
    private final PostgresCatalogProperties postgres;
    private final ObjectProvider<SupabaseRestApi> rest;
    private final JsonMapper json;

    TableCatalogs(
            SupabaseCatalogProperties supabase,
            PostgresCatalogProperties postgres,
            ObjectProvider<SupabaseRestApi> rest,
            JsonMapper json) {
        this.supabase = supabase;
        this.postgres = postgres;
        this.rest = rest;
        this.json = json;
    }

    Catalog open(CatalogType type, String table) {
        return switch (type) {
            case SUPABASE -> new PostgrestCatalog(rest(), json, supabase, table).verified();
            case POSTGRES ->
                    new PostgresCatalog(new PostgresConnection(postgres), postgres, table)
                            .verified();
            default -> throw new IllegalArgumentException(type.key() + " is not a table catalogue");
        };
    }

    private SupabaseRestApi rest() {
        SupabaseRestApi api = rest.getIfAvailable();
        if (api == null) {
            throw new CatalogNotFoundException(
                    "Catalogue type supabase needs fsb.supabase.url and fsb.supabase.key (SUPABASE_URL, SUPABASE_KEY)");
        }
        return api;
    }
}
