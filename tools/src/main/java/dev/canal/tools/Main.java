package dev.canal.tools;

import dev.canal.engine.api.CanalException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;

/**
 * The canal command line. Exit codes: 0 success, 1 an error (bad file, unsupported model, engine failure),
 * 2 a usage error (unknown command or option, bad option value). Errors are one line on stderr starting with
 * "error: "; {@code --verbose} adds the stack trace.
 */
@Command(name = "canal", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Runs large language models on the JVM.",
        footer = {"", "Run 'canal COMMAND --help' for a command's options.",
                "Exit codes: 0 success, 1 error, 2 usage error."})
public final class Main implements Callable<Integer> {
    static final int EXIT_ERROR = 1;
    static final int EXIT_USAGE = 2;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Print stack traces of errors and per-answer statistics.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    private final Io io;

    Main(Io io) {
        this.io = io;
    }

    public static void main(String[] args) {
        // Generated text is UTF-8 whatever the locale says, and it is written exactly: no charset replacement.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int code = run(args, out, err, System.in, true);
        out.flush();
        System.exit(code);
    }

    /** Runs one command line against the given streams and returns the exit code (tests call this). */
    public static int run(String[] args, PrintStream out, PrintStream err, InputStream in) {
        return run(args, out, err, in, false);
    }

    static int run(String[] args, PrintStream out, PrintStream err, InputStream in, boolean systemStreams) {
        Io io = new Io(out, err, in, systemStreams);
        CommandLine cl = commandLine(io);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    static CommandLine commandLine(Io io) {
        CommandLine cl = new CommandLine(new Main(io));
        cl.addSubcommand(new RunCommand(io));
        cl.addSubcommand(new TokenizeCommand(io));
        cl.addSubcommand(new TemplateCommand(io));
        cl.addSubcommand(new InspectCommand(io));
        cl.addSubcommand(new SynthCommand(io));
        cl.addSubcommand(new BenchCommand(io));
        cl.addSubcommand(new DoctorCommand(io));
        cl.addSubcommand(new ConvertCommand(io));
        cl.addSubcommand(new QuantizeCommand(io));
        return configure(cl, io);
    }

    /** Streams and error handlers; picocli copies them only to subcommands that are already added. */
    static CommandLine configure(CommandLine cl, Io io) {
        cl.setOut(new PrintWriter(io.out(), true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(io.err(), true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> failure(e, cmd, parsed, io));
        return cl;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = e.getMessage();
        if (e instanceof CommandLine.UnmatchedArgumentException u && cmd.getParent() == null
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-")) {
            message = "unknown command '" + u.getUnmatched().getFirst() + "' (commands: "
                    + String.join(", ", cmd.getSubcommands().keySet()) + ")";
        }
        err.println("error: " + oneLine(message) + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return EXIT_USAGE;
    }

    private static int failure(Exception e, CommandLine cmd, ParseResult parsed, Io io) {
        PrintWriter err = cmd.getErr();
        if (e instanceof CanalException || e instanceof UserError) {
            err.println("error: " + oneLine(e.getMessage()));
        } else if (e instanceof UncheckedIOException u && u.getCause() instanceof NoSuchFileException nsf) {
            err.println("error: " + nsf.getFile() + ": no such file");
        } else {
            // A bug, not a user error: name it, and say how to get what a bug report needs.
            err.println("error: unexpected " + e.getClass().getName()
                    + (e.getMessage() == null ? "" : ": " + oneLine(e.getMessage()))
                    + (isVerbose(parsed) ? "" : " (run with --verbose for details)"));
        }
        if (isVerbose(parsed)) e.printStackTrace(err);
        err.flush();
        io.out().flush();
        return EXIT_ERROR;
    }

    /** Whether --verbose was given, looking down from the top-level parse result. */
    private static boolean isVerbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    /** Whether --verbose was given, looking up from a (sub)command: before or after the subcommand's name. */
    static boolean verbose(CommandLine cmd) {
        for (CommandLine c = cmd; c != null; c = c.getParent()) {
            if (c.getParseResult() != null && c.getParseResult().hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    static String oneLine(String s) {
        if (s == null) return "";
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl).strip();
    }
}
