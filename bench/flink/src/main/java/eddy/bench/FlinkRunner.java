package eddy.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

/**
 * Runs Flink SQL files of bench/flink/queries in local mode (a MiniCluster in this JVM),
 * parallelism 1, streaming mode. ${DATA} in the file is replaced by the data directory. DDL runs
 * first; the INSERT statements run as one job. Prints "ready" on stderr once the job is
 * submitted and "done" once it has finished (the file sources are bounded).
 *
 * <p>usage: FlinkRunner DATA_DIR FILE.sql...
 */
public final class FlinkRunner {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: FlinkRunner DATA_DIR FILE.sql...");
      System.exit(2);
    }
    StringBuilder all = new StringBuilder();
    for (int i = 1; i < args.length; ++i) all.append(Files.readString(Path.of(args[i]))).append('\n');
    String text = all.toString().replace("${DATA}", args[0]);
    String last = args[args.length - 1];
    EnvironmentSettings settings = EnvironmentSettings.newInstance().inStreamingMode().build();
    TableEnvironment env = TableEnvironment.create(settings);
    env.getConfig().set("parallelism.default", "1");
    env.getConfig().set("table.exec.resource.default-parallelism", "1");
    env.getConfig().set("pipeline.name", Path.of(last).getFileName().toString());
    StatementSet inserts = env.createStatementSet();
    int n = 0;
    for (String stmt : statements(text)) {
      if (stmt.regionMatches(true, 0, "INSERT", 0, 6)) {
        inserts.addInsertSql(stmt);
        ++n;
      } else {
        env.executeSql(stmt);
      }
    }
    if (n == 0) {
      System.err.println("no INSERT statement in " + last);
      System.exit(2);
    }
    TableResult result = inserts.execute();
    System.err.println("ready");
    result.await();
    System.err.println("done");
    System.exit(0);
  }

  /** Statements separated by ';' at the end of a line; lines starting with -- are comments. */
  static List<String> statements(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : text.split("\n")) {
      String t = line.strip();
      if (t.startsWith("--") || t.isEmpty()) continue;
      if (t.endsWith(";")) {
        cur.append(t, 0, t.length() - 1);
        out.add(cur.toString().strip());
        cur.setLength(0);
      } else {
        cur.append(line).append('\n');
      }
    }
    if (!cur.toString().isBlank()) out.add(cur.toString().strip());
    return out;
  }
}
