"""A stand-in tokenizer with a chat template, for the prompt-format tests of the code tasks."""


class ChatTokenizer:
    chat_template = "fake"

    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        return f"<user>{messages[0]['content']}</user>"
