package dev.faissshard.security;

import jakarta.servlet.DispatcherType;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.authentication.DelegatingAuthenticationConverter;
import org.springframework.security.web.savedrequest.NullRequestCache;
import tools.jackson.databind.json.JsonMapper;

/**
 * Who may call what. With tokens: the liveness and readiness probes are open; every other GET (job
 * views, Actuator) and {@code POST /search} and {@code /embed} need a read or write token;
 * everything else (starting, pausing, resuming, cancelling jobs, Actuator write operations) a write
 * token. Without tokens every caller is the local operator, and {@link LoopbackBinding} keeps the
 * port on loopback. Actuator also takes a token as the password of Basic credentials, for Spring
 * Boot Admin ({@link ActuatorBasicCredentials}).
 *
 * <p>Stateless: no session, no cookie, so no CSRF token either; a browser cannot attach a bearer
 * token to a cross-site request.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class ApiSecurityConfiguration {

    @Bean
    ApiTokens apiTokens(ApiSecurityProperties properties) {
        return ApiTokens.parse(properties.apiTokens());
    }

    @Bean
    LoopbackBinding loopbackBinding(
            ApiTokens tokens, ApiSecurityProperties properties, Environment environment) {
        return new LoopbackBinding(tokens, properties, environment);
    }

    /** Also keeps Boot from creating its default user with a generated password. */
    @Bean
    AuthenticationManager apiTokenAuthenticationManager(ApiTokens tokens) {
        ProviderManager manager = new ProviderManager(new BearerTokens(tokens));
        manager.setEraseCredentialsAfterAuthentication(true);
        return manager;
    }

    @Bean
    SecurityFilterChain apiSecurity(
            HttpSecurity http,
            ApiTokens tokens,
            ApiSecurityProperties properties,
            AuthenticationManager authenticationManager,
            WebEndpointProperties endpoints,
            JsonMapper json) {
        SecurityProblems problems = new SecurityProblems(json);
        http.csrf(csrf -> csrf.disable())
                .httpBasic(basic -> basic.disable())
                .formLogin(form -> form.disable())
                .logout(logout -> logout.disable())
                .requestCache(cache -> cache.requestCache(new NullRequestCache()))
                .sessionManagement(
                        session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .exceptionHandling(
                        errors ->
                                errors.authenticationEntryPoint(problems)
                                        .accessDeniedHandler(problems));
        if (tokens.isEmpty()) {
            http.addFilterBefore(
                    new LocalRequestGuard(problems, !properties.allowAnonymous()),
                    AnonymousAuthenticationFilter.class);
            http.addFilterBefore(
                    new LocalOperatorFilter(SecurityContextHolder.getContextHolderStrategy()),
                    AnonymousAuthenticationFilter.class);
        } else {
            // Basic credentials on Actuator paths only, for Spring Boot Admin
            // (ActuatorBasicCredentials).
            AuthenticationFilter bearer =
                    new AuthenticationFilter(
                            authenticationManager,
                            new DelegatingAuthenticationConverter(
                                    new BearerTokens(tokens),
                                    new ActuatorBasicCredentials(endpoints.getBasePath())));
            bearer.setFailureHandler(new AuthenticationEntryPointFailureHandler(problems));
            bearer.setSuccessHandler((request, response, authentication) -> {});
            http.addFilterBefore(bearer, AnonymousAuthenticationFilter.class);
        }
        String base = endpoints.getBasePath();
        String[] probes = {base + "/health/liveness", base + "/health/readiness"};
        // The dashboard's page, script and style hold no data; the page calls the API with the
        // caller's token.
        String[] dashboard = {"/dashboard", "/dashboard/", "/dashboard/*"};
        http.authorizeHttpRequests(
                requests ->
                        requests.dispatcherTypeMatchers(DispatcherType.ERROR)
                                .permitAll()
                                .requestMatchers(HttpMethod.GET, probes)
                                .permitAll()
                                .requestMatchers(HttpMethod.HEAD, probes)
                                .permitAll()
                                .requestMatchers(HttpMethod.GET, dashboard)
                                .permitAll()
                                .requestMatchers(HttpMethod.GET, "/**")
                                .hasRole(ApiRole.READ.roleName())
                                .requestMatchers(HttpMethod.HEAD, "/**")
                                .hasRole(ApiRole.READ.roleName())
                                // Searching and embedding change nothing: readers may.
                                .requestMatchers(HttpMethod.POST, "/search", "/embed")
                                .hasRole(ApiRole.READ.roleName())
                                .anyRequest()
                                .hasRole(ApiRole.WRITE.roleName()));
        return http.build();
    }
}
