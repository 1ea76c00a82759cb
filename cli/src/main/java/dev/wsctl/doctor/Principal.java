package dev.wsctl.doctor;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The IAM principal that a policy simulation is run for, from the caller's ARN as STS tells it. A user is itself. A
 * role's session ({@code arn:aws:sts::123456789012:assumed-role/NAME/SESSION}) is simulated as its role, whose ARN
 * (with its path, which the session's ARN leaves out) IAM's GetRole gives. The account's root user and federated
 * users cannot be simulated (https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html:
 * a user, group or role).
 */
final class Principal {
    private static final Pattern USER = Pattern.compile("^arn:[^:]+:iam::\\d+:user/.+$");
    private static final Pattern ASSUMED_ROLE = Pattern.compile("^arn:[^:]+:sts::\\d+:assumed-role/([^/]+)/.+$");

    private Principal() {}

    /** The ARN to simulate, or empty when the caller is no user or role. */
    static Optional<String> simulationArn(String callerArn, IamClient iam) {
        if (USER.matcher(callerArn).matches()) {
            return Optional.of(callerArn);
        }
        Matcher role = ASSUMED_ROLE.matcher(callerArn);
        if (role.matches()) {
            return Optional.of(
                    iam.getRole(r -> r.roleName(role.group(1))).role().arn());
        }
        return Optional.empty();
    }
}
