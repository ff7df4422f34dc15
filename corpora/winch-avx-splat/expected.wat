(module
  (type (;0;) (func))
  (memory (;0;) 1)
  (func (;0;) (type 0)
    block ;; label = @1
      loop ;; label = @2
        i32.const 0
        if ;; label = @3
          i32.const 0
          if ;; label = @4
            i32.const 0
            i32.const 0
            v128.load32_splat offset=16
            unreachable
          else
          end
        else
        end
      end
    end
  )
)
