package amlsim.stat;

import java.util.*;

/**
 * Stand-in for AMLSim's amlsim.stat.Diameter, which needs WebGraph (HyperBall) that cannot be
 * obtained offline. Same public API; it is only used when "compute_diameter" is true in
 * conf.json (false in every upstream conf), so addEdge just records the edge and
 * computeDiameter refuses to run.
 */
public class Diameter {
    private Map<String, Integer> id2idx;
    private Map<Integer, Set<Integer>> adj;

    public Diameter(int numAccounts){
        this.id2idx = new HashMap<>(numAccounts);
        this.adj = new HashMap<>(numAccounts);
    }

    public void addEdge(String srcID, String dstID){
        // AMLSim calls this for every transaction; the graph is only needed for the diameter.
    }

    public double[] computeDiameter(){
        throw new UnsupportedOperationException("Diameter computation needs WebGraph; set compute_diameter=false");
    }
}
