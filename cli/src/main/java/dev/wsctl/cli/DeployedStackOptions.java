package dev.wsctl.cli;

import picocli.CommandLine.Mixin;

/** The options of every command that works on a deployed stack: which stack, which account, what output. */
public final class DeployedStackOptions {
    @Mixin
    StackOptions stack;

    @Mixin
    AwsOptions aws;

    @Mixin
    OutputOptions output;
}
