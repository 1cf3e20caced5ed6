package dev.faissshard.catalog;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;

import dev.faissshard.supabase.SupabaseHttp;
import dev.faissshard.supabase.SupabaseProperties;
import tools.jackson.databind.json.JsonMapper;

/** Opens catalogues that live in a database table: through PostgREST, or straight from PostgreSQL. */
@Component
class TableCatalogs implements DisposableBean {

    private final SupabaseCatalogProperties supabase;
    private final PostgresCatalogProperties postgres;
    private final SupabaseProperties connection;
    private final WebClient.Builder webClient;
    private final JsonMapper json;
    private SupabaseHttp rest;

    TableCatalogs(SupabaseCatalogProperties supabase, PostgresCatalogProperties postgres, SupabaseProperties connection,
            WebClient.Builder webClient, JsonMapper json) {
        this.supabase = supabase;
        this.postgres = postgres;
        this.connection = connection;
        this.webClient = webClient;
        this.json = json;
    }

    Catalog open(CatalogType type, String table) {
        return switch (type) {
            case SUPABASE -> new PostgrestCatalog(rest(), json, supabase, table).verified();
            case POSTGRES -> new PostgresCatalog(new PostgresConnection(postgres), postgres, table).verified();
            default -> throw new IllegalArgumentException(type.key() + " is not a table catalogue");
        };
    }

    private synchronized SupabaseHttp rest() {
        if (rest == null) {
            if (!connection.configured()) {
                throw new CatalogNotFoundException(
                        "Catalogue type supabase needs fsb.supabase.url and fsb.supabase.key (SUPABASE_URL, SUPABASE_KEY)");
            }
            rest = new SupabaseHttp(webClient, connection, "/rest/v1");
        }
        return rest;
    }

    @Override
    public synchronized void destroy() {
        if (rest != null) {
            rest.close();
        }
    }
}
