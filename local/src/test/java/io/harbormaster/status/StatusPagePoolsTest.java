package io.harbormaster.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import io.harbormaster.testsupport.HeadlessChromium;
import io.harbormaster.testsupport.StatusPageFiles;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The status page's per-pool view in Debian's headless chromium, fed a pooled status (the fields
 * {@code ClusterReport} writes, which {@code CapacityCheckPoolsTest} checks): a pools table, each agent's pool on its
 * column, the filter narrowed to one pool by "pool:NAME" or by a click on the pool's name, and the rolling upgrade's
 * pools.
 */
class StatusPagePoolsTest {
    private static final String DATA = """
            {"takenAt":"2026-12-06T22:00:00Z","automaticActions":{"paused":false},
             "scaleSet":{"name":"hm-general","capacity":2,"sku":"Standard_D2s_v5","provisioningState":"Succeeded",
                         "agentsPerZone":{},"warmInstances":0},
             "pools":[
               {"name":"general","scaleSet":"hm-general","sku":"Standard_D2s_v5","capacity":2,"min":1,"max":10,"step":3,
                "priority":"regular","order":0,"labels":{},"scaleIn":"delete","instances":2,"nodes":2},
               {"name":"gpu","scaleSet":"hm-gpu","sku":"Standard_NC4as_T4_v3","capacity":1,"min":0,"max":4,"step":1,
                "priority":"spot","order":1,"labels":{"gpu":"true"},"scaleIn":"deallocate","instances":1,"nodes":1}],
             "nodes":[
               {"id":"m1","hostname":"manager-1","role":"manager","availability":"active","state":"ready",
                "reachability":"reachable","tasks":0,"reserved":{"nanoCpus":0,"memoryBytes":0},
                "capacity":{"nanoCpus":2000000000,"memoryBytes":8589934592}},
               {"id":"g1","hostname":"general-1","role":"worker","availability":"active","state":"ready","pool":"general",
                "tasks":0,"reserved":{"nanoCpus":0,"memoryBytes":0},"capacity":{"nanoCpus":2000000000,"memoryBytes":8589934592}},
               {"id":"g2","hostname":"general-2","role":"worker","availability":"active","state":"ready","pool":"general",
                "tasks":0,"reserved":{"nanoCpus":0,"memoryBytes":0},"capacity":{"nanoCpus":2000000000,"memoryBytes":8589934592}},
               {"id":"x1","hostname":"gpu-1","role":"worker","availability":"active","state":"ready","pool":"gpu",
                "tasks":0,"reserved":{"nanoCpus":0,"memoryBytes":0},"capacity":{"nanoCpus":4000000000,"memoryBytes":8589934592}}],
             "instances":[],"pendingTasks":[],"drainsInFlight":[],"evictions":[],"recentDecisions":[],
             "operationsUnderWay":[],"services":[],"tasksByNode":{},
             "upgrade":{"state":"running","pool":"gpu","done":1,"total":2,
                        "pools":[{"name":"general","done":1,"total":1},{"name":"gpu","done":0,"total":1}],
                        "instances":[{"pool":"general","instanceId":"0","computerName":"general-1","method":"manualUpgrade",
                                      "phase":"done","surged":false},
                                     {"pool":"gpu","instanceId":"gpu:0","computerName":"gpu-1","method":"manualUpgrade",
                                      "phase":"draining","surged":true}]}}
            """;

    @SuppressWarnings("unchecked")
    private static List<String> hostnamesShown(Page page) {
        return (List<String>) page.evaluate(
                "() => Array.from(document.querySelectorAll('#nodes .node')).map(n => n.dataset.hostname)");
    }

    @Test
    void thePageShowsEachPoolAndFiltersTheNodesToOne() {
        try (HeadlessChromium chromium = HeadlessChromium.launch();
             BrowserContext context = chromium.browser().newContext()) {
            context.route("**/*", route -> StatusPageFiles.serve(route, DATA));
            Page page = context.newPage();
            page.navigate("http://harbormaster.test/api/ui/");
            page.waitForFunction("() => document.querySelectorAll('#nodes .node').length === 4");
            page.evaluate("() => window.harbormaster.stop()");

            @SuppressWarnings("unchecked")
            List<String> rows = (List<String>) page.evaluate(
                    "() => Array.from(document.querySelectorAll('table.pools tbody tr')).map(r => r.innerText.replace(/\\s+/g, ' ').trim())");
            assertEquals(2, rows.size(), rows.toString());
            assertTrue(rows.get(0).startsWith("general hm-general regular Standard_D2s_v5 2 / 2 2 (1–10) delete"), rows.get(0));
            assertTrue(rows.get(1).startsWith("gpu hm-gpu spot") && rows.get(1).endsWith("deallocate gpu=true"), rows.get(1));
            assertEquals("pool gpu", page.textContent("#nodes .node[data-hostname='gpu-1'] .badge.pool"));
            assertEquals(0, page.locator("#nodes .node[data-hostname='manager-1'] .badge.pool").count());

            // The rolling upgrade names the pool under way, each pool's progress and each instance's pool.
            String upgrade = page.textContent("#upgrade");
            assertTrue(upgrade.contains("running, 1 of 2 done; pools general 1/1, gpu 0/1"), upgrade);
            assertEquals("gpu", page.textContent("#upgrade tr[data-key='upgrade-gpu:0'] td"));

            page.fill("#filter", "pool:general");
            page.waitForFunction("() => document.querySelectorAll('#nodes .node').length === 2");
            assertEquals(List.of("general-1", "general-2"), hostnamesShown(page));

            page.click("table.pools button[data-pool='gpu']");
            page.waitForFunction("() => document.querySelectorAll('#nodes .node').length === 1");
            assertEquals(List.of("gpu-1"), hostnamesShown(page));
            assertEquals("pool:gpu", page.inputValue("#filter"));

            // Plain text still matches host names, and a pool's name too.
            page.fill("#filter", "gpu");
            page.waitForFunction("() => document.querySelectorAll('#nodes .node').length === 1");
            page.fill("#filter", "");
            page.waitForFunction("() => document.querySelectorAll('#nodes .node').length === 4");
        }
    }
}
