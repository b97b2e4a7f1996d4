package io.harbormaster.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A small parser for ARM template expressions ("[function(args).property[index]]"): enough to find every
 * parameters(), variables(), resourceId() and reference() call and read its literal arguments.
 */
sealed interface ArmExpression {

    record Call(String name, List<ArmExpression> args) implements ArmExpression {}

    record Literal(String value) implements ArmExpression {}

    record Int(String digits) implements ArmExpression {}

    record Property(ArmExpression target, String name) implements ArmExpression {}

    record Index(ArmExpression target, ArmExpression index) implements ArmExpression {}

    /** A JSON string is an expression when it is wrapped in [ ] and does not start with the [[ escape. */
    static boolean isExpression(String text) {
        return text.length() >= 2 && text.startsWith("[") && text.endsWith("]") && !text.startsWith("[[");
    }

    static ArmExpression parse(String expressionText) {
        String body = expressionText.substring(1, expressionText.length() - 1);
        Parser parser = new Parser(body);
        ArmExpression result = parser.expression();
        parser.skipSpace();
        if (parser.pos != body.length()) {
            throw parser.error("unexpected text");
        }
        return result;
    }

    /** Canonical text, so that two spellings of the same expression compare equal. */
    default String text() {
        if (this instanceof Call call) {
            List<String> args = new ArrayList<>();
            call.args().forEach(arg -> args.add(arg.text()));
            return call.name().toLowerCase() + "(" + String.join(", ", args) + ")";
        } else if (this instanceof Literal literal) {
            return "'" + literal.value().replace("'", "''") + "'";
        } else if (this instanceof Int number) {
            return number.digits();
        } else if (this instanceof Property property) {
            return property.target().text() + "." + property.name();
        } else {
            Index index = (Index) this;
            return index.target().text() + "[" + index.index().text() + "]";
        }
    }

    /** Visits this node and every node below it. */
    default void walk(Consumer<ArmExpression> visitor) {
        visitor.accept(this);
        if (this instanceof Call call) {
            call.args().forEach(arg -> arg.walk(visitor));
        } else if (this instanceof Property property) {
            property.target().walk(visitor);
        } else if (this instanceof Index index) {
            index.target().walk(visitor);
            index.index().walk(visitor);
        }
    }

    final class Parser {
        private final String text;
        private int pos;

        Parser(String text) {
            this.text = text;
        }

        ArmExpression expression() {
            ArmExpression result = primary();
            while (true) {
                skipSpace();
                if (peek('.')) {
                    pos++;
                    result = new Property(result, identifier());
                } else if (peek('[')) {
                    pos++;
                    ArmExpression index = expression();
                    expect(']');
                    result = new Index(result, index);
                } else {
                    return result;
                }
            }
        }

        private ArmExpression primary() {
            skipSpace();
            if (peek('\'')) {
                return new Literal(string());
            }
            if (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '-')) {
                int start = pos++;
                while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                    pos++;
                }
                return new Int(text.substring(start, pos));
            }
            String name = identifier();
            skipSpace();
            expect('(');
            List<ArmExpression> args = new ArrayList<>();
            skipSpace();
            if (!peek(')')) {
                do {
                    args.add(expression());
                    skipSpace();
                } while (consume(','));
            }
            expect(')');
            return new Call(name, args);
        }

        private String string() {
            StringBuilder value = new StringBuilder();
            pos++;
            while (true) {
                if (pos >= text.length()) {
                    throw error("unterminated string");
                }
                char c = text.charAt(pos++);
                if (c == '\'') {
                    if (peek('\'')) {
                        value.append('\'');
                        pos++;
                    } else {
                        return value.toString();
                    }
                } else {
                    value.append(c);
                }
            }
        }

        private String identifier() {
            skipSpace();
            int start = pos;
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
                pos++;
            }
            if (start == pos) {
                throw error("expected a name");
            }
            return text.substring(start, pos);
        }

        void skipSpace() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
                pos++;
            }
        }

        private boolean peek(char c) {
            return pos < text.length() && text.charAt(pos) == c;
        }

        private boolean consume(char c) {
            skipSpace();
            if (peek(c)) {
                pos++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            skipSpace();
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        IllegalArgumentException error(String problem) {
            return new IllegalArgumentException(problem + " at " + pos + " in [" + text + "]");
        }
    }
}
