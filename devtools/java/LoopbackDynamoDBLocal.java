import java.lang.reflect.Field;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Amazon's DynamoDB Local, listening on 127.0.0.1 only.
 *
 * <p>DynamoDB Local's own command line has a port option but no address option: its Jetty server listens on every
 * interface, which would put a developer's data on the network. This launcher builds the server from the same
 * command-line arguments, points its one connector at the loopback address, then starts it. Run by
 * devtools/dynamodb_local.py as a single-file source program ({@code java LoopbackDynamoDBLocal.java ...}), so
 * nothing is compiled into the repository.
 */
public final class LoopbackDynamoDBLocal {
    private LoopbackDynamoDBLocal() {
    }

    public static void main(String[] args) throws Exception {
        String host = System.getProperty("portico.host", "127.0.0.1");
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        for (Connector connector : server.getConnectors()) {
            ((ServerConnector) connector).setHost(host);
        }
        proxy.start();
        System.out.println("DynamoDB Local listening on " + host);
        proxy.join();
    }
}
