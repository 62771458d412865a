package mosaic.tools;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.mapper.MapperExtrasPlugin;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One real OpenSearch node in this JVM, listening on loopback only.
 *
 * <p>Node's protected constructor takes plugins from the classpath, which is what lets the jars on
 * Maven Central run without a distribution's modules/ folder. The distribution's Bootstrap (bootstrap
 * checks, security manager, native memory locking) is not involved: this is for tests and laptops,
 * never for a production cluster. One node per JVM; a cluster is several JVMs on distinct ports.
 */
public final class OpenSearchNode extends Node {

    /** The distribution modules a search client relies on (see pom.xml for what each brings). */
    private static final List<Class<? extends Plugin>> PLUGINS = List.of(
        Netty4Plugin.class,
        CommonAnalysisPlugin.class,
        PainlessPlugin.class,
        MapperExtrasPlugin.class,
        ReindexPlugin.class
    );

    private static final String USAGE = String.join("\n",
        "usage: tools/opensearch-node/run [options]",
        "   or: java -Xmx512m -Djava.locale.providers=SPI,COMPAT -jar opensearch-node.jar [options]",
        "  --home DIR                node home: config/ and logs/ (required)",
        "  --data DIR                where indexes live (default HOME/data)",
        "  --name NAME               node name (default node-1)",
        "  --cluster-name NAME       cluster name (default mosaic)",
        "  --http-port PORT          REST port on 127.0.0.1 (default 9200)",
        "  --transport-port PORT     node-to-node port on 127.0.0.1 (default 9300)",
        "  --seed-hosts H:P,...      transport addresses of the cluster's nodes; without it the node",
        "                            runs alone (discovery.type=single-node)",
        "  --initial-managers N,...  names of the nodes that vote to form a new cluster (with",
        "                            --seed-hosts; leave out to join a cluster that exists)",
        "  -Ekey=value               any other OpenSearch setting",
        "Stops cleanly on SIGTERM or Ctrl-C.");

    OpenSearchNode(Environment environment) {
        super(environment, PLUGINS, true);
    }

    /**
     * The base class hands the node and cluster ids to a log4j pattern converter that only the
     * distribution's logging configuration uses; it holds them in a set-once static, so a second
     * node in the same JVM would fail. Our log4j2.xml does not print them.
     */
    @Override
    protected void configureNodeAndClusterIdStateListener(ClusterService clusterService) {}

    public static void main(String[] args) throws Exception {
        Settings settings;
        try {
            settings = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("opensearch-node: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (settings == null) {
            System.out.println(USAGE);
            return;
        }
        String name = settings.get("node.name");
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            settings, Collections.emptyMap(), null, () -> name);
        OpenSearchNode node = new OpenSearchNode(environment);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                if (!node.awaitClose(30, TimeUnit.SECONDS)) {
                    System.err.println("opensearch-node: still closing after 30 s, exiting anyway");
                }
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "opensearch-node-shutdown"));
        try {
            node.start();
        } catch (Exception e) {
            // A port already in use or a locked data folder: say so and exit rather than linger.
            e.printStackTrace();
            System.exit(1);
        }
        stopped.await();
    }

    /** Settings from the command line, or null when help was asked for. */
    static Settings parse(String[] args) {
        Settings.Builder builder = Settings.builder()
            .put("node.name", "node-1")
            .put("cluster.name", "mosaic")
            .put("network.host", "127.0.0.1")
            .put("http.port", "9200")
            .put("transport.port", "9300")
            // A laptop's disk is often over 90% full: the default watermarks would then refuse
            // to allocate shards and the index would stay red.
            .put("cluster.routing.allocation.disk.threshold_enabled", false);
        String home = null;
        String data = null;
        String seedHosts = null;
        String initialManagers = null;
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty()) {
            String arg = rest.remove(0);
            if (arg.equals("-h") || arg.equals("--help")) {
                return null;
            }
            if (arg.startsWith("-E")) {
                int eq = arg.indexOf('=');
                if (eq < 3) {
                    throw new IllegalArgumentException("expected -Ekey=value, got " + arg);
                }
                builder.put(arg.substring(2, eq), arg.substring(eq + 1));
                continue;
            }
            if (rest.isEmpty()) {
                throw new IllegalArgumentException("unknown option or missing value: " + arg);
            }
            String value = rest.remove(0);
            switch (arg) {
                case "--home" -> home = value;
                case "--data" -> data = value;
                case "--name" -> builder.put("node.name", value);
                case "--cluster-name" -> builder.put("cluster.name", value);
                case "--http-port" -> builder.put("http.port", port(arg, value));
                case "--transport-port" -> builder.put("transport.port", port(arg, value));
                case "--seed-hosts" -> seedHosts = value;
                case "--initial-managers" -> initialManagers = value;
                default -> throw new IllegalArgumentException("unknown option: " + arg);
            }
        }
        if (home == null) {
            throw new IllegalArgumentException("--home is required");
        }
        Path homePath = Path.of(home).toAbsolutePath();
        builder.put("path.home", homePath.toString());
        builder.put("path.data", data == null ? homePath.resolve("data").toString() : Path.of(data).toAbsolutePath().toString());
        if (seedHosts == null) {
            if (initialManagers != null) {
                throw new IllegalArgumentException("--initial-managers needs --seed-hosts");
            }
            builder.put("discovery.type", "single-node");
        } else {
            builder.putList("discovery.seed_hosts", List.of(seedHosts.split(",")));
            if (initialManagers != null) {
                builder.putList("cluster.initial_cluster_manager_nodes", List.of(initialManagers.split(",")));
            }
        }
        return builder.build();
    }

    private static String port(String option, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return value;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(option + " must be a port number, got " + value);
    }
}
