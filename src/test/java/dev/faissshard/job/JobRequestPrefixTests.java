package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The request's prefix constraint: the precise rule broken, on the field {@code prefix}, never the
 * value.
 */
class JobRequestPrefixTests {

    private static final ValidatorFactory FACTORY = Validation.buildDefaultValidatorFactory();
    private final Validator validator = FACTORY.getValidator();

    @AfterAll
    static void close() {
        FACTORY.close();
    }

    @Test
    void plainPrefixesAndNoPrefixAreValid() {
        assertThat(validator.validate(request(null))).isEmpty();
        assertThat(validator.validate(request(""))).isEmpty();
        assertThat(validator.validate(request("shop/v2/"))).isEmpty();
    }

    @Test
    void aRefusedPrefixIsOneViolationOfPrefixWithTheRuleAndWithoutTheValue() {
        assertRefused("${1+1}/faiss", "letters, digits");
        assertRefused("shop/faiss", "faiss");
        assertRefused("x/" + "{a}".repeat(90), "letters, digits");
        assertRefused("a/".repeat(4096), "512");
        assertRefused("a/" + "b".repeat(256), "255");
        assertRefused("a/../b", "'..'");
    }

    private void assertRefused(String prefix, String rule) {
        Set<ConstraintViolation<JobRequest>> violations = validator.validate(request(prefix));
        assertThat(violations).hasSize(1);
        ConstraintViolation<JobRequest> violation = violations.iterator().next();
        assertThat(violation.getPropertyPath()).hasToString("prefix");
        assertThat(violation.getMessage())
                .contains(rule)
                .doesNotContain("{a}")
                .doesNotContain("${")
                .doesNotContain("2/");
    }

    private static JobRequest request(String prefix) {
        return new JobRequest(null, null, prefix, null, null, null, null, null, null, null);
    }
}
