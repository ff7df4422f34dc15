(module
  (type (;0;) (func))
  (func (;0;) (type 0)
    (local i32 i32)
    block ;; label = @1
      i32.const 0
      if ;; label = @2
        block ;; label = @3
          loop ;; label = @4
            local.get 1
            local.get 0
            i32x4.splat
            unreachable
          end
        end
      else
      end
    end
  )
)
