package dev.faissshard.index;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A storage prefix that follows {@link IndexPrefix}'s rules; {@code null} means the configured one.
 */
@Documented
@Constraint(validatedBy = ValidPrefix.Validator.class)
@Target({
    ElementType.FIELD,
    ElementType.PARAMETER,
    ElementType.RECORD_COMPONENT,
    ElementType.METHOD
})
@Retention(RetentionPolicy.RUNTIME)
public @interface ValidPrefix {

    String message() default "must be /-separated names of letters, digits, '_', '-' and '.'";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Reports the precise rule broken, never the value. */
    class Validator implements ConstraintValidator<ValidPrefix, String> {

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return IndexPrefix.violation(value)
                    .map(
                            reason -> {
                                context.disableDefaultConstraintViolation();
                                // Reasons are fixed texts of IndexPrefix; escape anyway so message
                                // interpolation never
                                // evaluates anything in them.
                                context.buildConstraintViolationWithTemplate(
                                                reason.replace("{", "\\{").replace("$", "\\$"))
                                        .addConstraintViolation();
                                return false;
                            })
                    .orElse(true);
        }
    }
}
