// Parses each schema of a JSON array of strings with Avro Java's default Schema.Parser (what
// Confluent's registry parses with) and prints one JSON line per schema: "OK" or the error.
// Run: java -cp '<avro lib>/*' AvroOracle.java schemas.json
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import org.apache.avro.Schema;

public class AvroOracle {
    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode schemas = mapper.readTree(new File(args[0]));
        StringBuilder out = new StringBuilder();
        for (JsonNode text : schemas) {
            String verdict;
            try {
                new Schema.Parser().parse(text.asText());
                verdict = "OK";
            } catch (Exception | StackOverflowError e) {
                verdict = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            out.append(mapper.writeValueAsString(verdict)).append('\n');
        }
        System.out.print(out);
    }
}
