# frozen_string_literal: true

module Shelf
  VERSION = "0.3.1"
end
