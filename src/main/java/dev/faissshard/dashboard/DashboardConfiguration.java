package dev.faissshard.dashboard;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.CacheControl;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Serves the web dashboard from the jar's {@code static/dashboard/} folder at {@code /dashboard/}.
 * Only that folder: the service's other static mappings stay off, so an unknown path is still a 404
 * problem. The assets are public (they hold no data); everything the page shows comes from the API
 * under the caller's token.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class DashboardConfiguration implements WebMvcConfigurer {

    /** Path of the dashboard; the security configuration lets anyone load its assets. */
    static final String PATH = "/dashboard/";

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        registry.addResourceHandler(PATH + "**")
                .addResourceLocations("classpath:/static/dashboard/")
                // Revalidated on each load, so a new version of the service never runs with an old
                // script.
                .setCacheControl(CacheControl.noCache());
    }

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addRedirectViewController("/dashboard", PATH + "index.html");
        registry.addRedirectViewController(PATH, PATH + "index.html");
    }

    @Bean
    FilterRegistrationBean<DashboardHeadersFilter> dashboardHeaders() {
        FilterRegistrationBean<DashboardHeadersFilter> registration =
                new FilterRegistrationBean<>(new DashboardHeadersFilter());
        registration.addUrlPatterns("/dashboard", PATH + "*");
        return registration;
    }
}
