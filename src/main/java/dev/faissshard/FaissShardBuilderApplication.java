package dev.faissshard;

import dev.faissshard.system.NativeMemoryLimits;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class FaissShardBuilderApplication {

    public static void main(String[] args) {
        NativeMemoryLimits.applyDefaults();
        SpringApplication application = new SpringApplication(FaissShardBuilderApplication.class);
        application.addListeners(new NativeLibrariesPreload());
        application.run(args);
    }
}
