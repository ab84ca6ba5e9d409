package dev.canal.tools;

import picocli.CommandLine.Option;

/** -h/--help for a subcommand (the version option belongs to the top-level command only). */
final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;
}
